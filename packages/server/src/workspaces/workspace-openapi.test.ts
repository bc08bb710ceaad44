import { Validator } from '@seriousme/openapi-schema-validator';
import { WORKSPACE_SECTIONS } from '@marketing-team/core';
import { describe, expect, it } from 'vitest';
import { workspaceOpenApi } from './workspace-openapi.js';

describe('workspaceOpenApi', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(workspaceOpenApi({ serverUrl: '/mt/workspaces' }));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes every route and section, with request bodies from the core schemas', () => {
    const document = workspaceOpenApi() as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, any> } };
    for (const section of WORKSPACE_SECTIONS) expect(document.paths[`/{workspaceId}/${section}`]).toHaveProperty('put');
    for (const collection of ['functions', 'skills', 'agents']) expect(Object.keys(document.paths[`/{workspaceId}/${collection}/{name}`]!)).toEqual(['parameters', 'get', 'put', 'delete']);
    expect(Object.keys(document.paths['/{workspaceId}/export.zip']!)).toEqual(['parameters', 'get']);
    expect(Object.keys(document.paths['/{workspaceId}/import']!)).toEqual(['parameters', 'post']);
    for (const route of ['check', 'route']) expect(Object.keys(document.paths[`/{workspaceId}/${route}`]!)).toEqual(['parameters', 'post']);
    const schemas = document.components.schemas;
    expect(Object.keys(schemas.Error.properties)).toEqual(expect.arrayContaining(['file', 'line', 'reason']));
    // request bodies are inputs: defaults are optional
    expect(schemas.WorkspaceDocument.required ?? []).toEqual([]);
    // stored documents are outputs: defaults are always present
    expect(schemas.StoredWorkspaceDocument.required).toEqual(['functions', 'skills', 'agents', 'rules']);
    expect(schemas.WorkspaceAgents.items.properties.skills.items.pattern).toBe('^[a-z0-9]+(?:-[a-z0-9]+)*$');
  });
});
