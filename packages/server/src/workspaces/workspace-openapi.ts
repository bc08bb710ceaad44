import {
  DraftRequestSchema,
  MAX_INTAKE_DOCUMENTS,
  BrandSchema,
  MarketingFunctionSchema,
  PlaybookSchema,
  RoutingRuleSchema,
  WORKSPACE_SECTIONS,
  WorkspaceAgentSchema,
  WorkspaceDocumentSchema,
  WorkspaceRoutingTestSchema,
  WorkspaceSkillSchema,
  type WorkspaceSection,
} from '@marketing-team/core';
import { z } from 'zod';

/** Options of {@link workspaceOpenApi}. */
export interface WorkspaceOpenApiOptions {
  /** Where the routes are mounted (e.g. `/mt/workspaces`); defaults to `/workspaces`. */
  serverUrl?: string;
}

type JsonSchema = Record<string, unknown>;

// Request bodies are what clients send (`input`: defaults optional); responses what the server stores (`output`).
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (schema: unknown) => ({ content: { 'application/json': { schema } } });

/**
 * The OpenAPI 3.1 document of the workspace API, generated from the same zod schemas of core that
 * validate every body, so the document cannot drift from what the server accepts.
 */
export function workspaceOpenApi(options: WorkspaceOpenApiOptions = {}): Record<string, unknown> {
  const sectionSchemas: Record<WorkspaceSection, string> = {
    brand: 'Brand',
    functions: 'MarketingFunctions',
    skills: 'WorkspaceSkills',
    agents: 'WorkspaceAgents',
    rules: 'RoutingRules',
    playbook: 'Playbook',
  };
  const schemas: Record<string, unknown> = {
    WorkspaceDocument: schemaOf(WorkspaceDocumentSchema, 'input'),
    StoredWorkspaceDocument: schemaOf(WorkspaceDocumentSchema, 'output'),
    Brand: schemaOf(BrandSchema, 'input'),
    MarketingFunctions: schemaOf(z.array(MarketingFunctionSchema), 'input'),
    WorkspaceSkills: schemaOf(z.array(WorkspaceSkillSchema), 'input'),
    WorkspaceAgents: schemaOf(z.array(WorkspaceAgentSchema), 'input'),
    RoutingRules: schemaOf(z.array(RoutingRuleSchema), 'input'),
    Playbook: schemaOf(PlaybookSchema, 'input'),
    MarketingFunction: schemaOf(MarketingFunctionSchema, 'input'),
    WorkspaceSkill: schemaOf(WorkspaceSkillSchema, 'input'),
    WorkspaceAgent: schemaOf(WorkspaceAgentSchema, 'input'),
    VersionSummary: {
      type: 'object',
      required: ['workspaceId', 'version', 'etag', 'hash', 'savedAt'],
      properties: {
        workspaceId: { type: 'string' },
        version: { type: 'integer', minimum: 1 },
        etag: { type: 'string', description: 'Send back as If-Match (quoted) to save over this version.' },
        hash: { type: 'string', description: 'SHA-256 of the canonical JSON of the document.' },
        savedAt: { type: 'integer', description: 'Milliseconds since the Unix epoch.' },
        savedBy: { type: 'string' },
        rolledBackFrom: { type: 'integer', description: 'The version whose content a rollback restored.' },
      },
    },
    WorkspaceVersion: {
      allOf: [ref('VersionSummary'), { type: 'object', required: ['document'], properties: { document: ref('StoredWorkspaceDocument') } }],
    },
    Issue: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string', description: 'e.g. agents[2].skills[1]' }, message: { type: 'string' } } },
    WorkspaceCheck: {
      type: 'object',
      required: ['ok', 'issues'],
      properties: { ok: { type: 'boolean', description: 'The draft would save.' }, issues: { type: 'array', items: ref('Issue') } },
    },
    RoutingTest: {
      allOf: [
        schemaOf(WorkspaceRoutingTestSchema, 'input'),
        { type: 'object', properties: { document: { ...ref('WorkspaceDocument'), description: 'A draft to route against instead of the latest version.' } } },
      ],
    },
    RoutingResult: {
      oneOf: [
        {
          type: 'object',
          required: ['routed', 'agent', 'agentTitle', 'skill', 'output', 'via', 'reason'],
          properties: {
            routed: { const: true },
            agent: { type: 'string' },
            agentTitle: { type: 'string' },
            skill: { type: 'string' },
            output: { type: 'string', description: 'The deliverable kind the skill writes.' },
            via: { enum: ['explicit', 'rule', 'playbook', 'model'] },
            reason: { type: 'string' },
            version: { type: 'integer', description: 'The version routed against, when no draft was sent.' },
          },
        },
        {
          type: 'object',
          required: ['routed', 'code', 'reason'],
          properties: { routed: { const: false }, code: { type: 'string' }, field: { type: 'string' }, reason: { type: 'string' }, version: { type: 'integer' } },
        },
      ],
    },
    Error: {
      type: 'object',
      required: ['type', 'code', 'message'],
      properties: {
        type: { const: 'error' },
        code: { enum: ['bad_frame', 'frame_too_large', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'internal'] },
        message: { type: 'string' },
        field: { type: 'string', description: 'Path of the offending field, e.g. brand.voiceGuide or agents[0].skills[1].' },
        issues: {
          type: 'array',
          description: 'Every problem of an invalid document.',
          items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
        },
        currentVersion: { type: ['integer', 'null'], description: 'On 409: the latest version now.' },
        file: { type: 'string', description: 'On a refused team zip: the entry at fault, e.g. .claude/skills/ad-copy/SKILL.md, or (archive).' },
        line: { type: 'integer', minimum: 1, description: 'On a refused team zip: the 1-based line in that file.' },
        reason: { type: 'string', description: 'On a refused team zip: what is wrong, without the location.' },
      },
    },
  };
  const error = (description: string) => ({ description, ...jsonBody(ref('Error')) });
  const errors = {
    '400': error('A malformed body; `field` names the offending field and `issues` lists every problem.'),
    '401': error('Missing, invalid, expired or revoked token.'),
    '403': error('The token belongs to another workspace or lacks the capability.'),
  };
  const saveErrors = {
    ...errors,
    '409': error('If-Match is stale: another editor saved first. The ETag header and `currentVersion` name the latest version.'),
    '428': error('Neither If-Match nor If-None-Match: * was sent.'),
  };
  const versionOk = (description: string) => ({
    description,
    headers: { ETag: { schema: { type: 'string' } } },
    ...jsonBody(ref('WorkspaceVersion')),
  });
  const importOk = (description: string) => ({
    description,
    headers: { ETag: { schema: { type: 'string' } } },
    ...jsonBody({
      allOf: [
        ref('WorkspaceVersion'),
        { type: 'object', required: ['ignored'], properties: { ignored: { type: 'array', items: { type: 'string' }, description: 'Entries skipped as not team files.' } } },
      ],
    }),
  });
  const id = { name: 'workspaceId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' } };
  const preconditions = [
    { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The quoted etag you read, or *.' },
    { name: 'If-None-Match', in: 'header', required: false, schema: { const: '*' }, description: 'Create: the workspace must not exist.' },
  ];
  const draftStarted = {
    type: 'object',
    required: ['session', 'runId', 'offset', 'duplicate'],
    properties: {
      session: { type: 'string', description: 'The studio session the draft streams into.' },
      runId: { type: 'string' },
      offset: { type: 'integer', description: 'Offset of the `draft.requested` event.' },
      duplicate: { type: 'boolean' },
    },
  };
  const paths: Record<string, unknown> = {
    '/{workspaceId}': {
      parameters: [id],
      get: { summary: 'The latest version of a workspace', security: [{ bearer: [] }], responses: { '200': versionOk('The latest version.'), ...errors, '404': error('Never saved.') } },
      put: {
        summary: 'Save a whole workspace document as a new version',
        security: [{ bearer: [] }],
        parameters: preconditions,
        requestBody: { required: true, ...jsonBody(ref('WorkspaceDocument')) },
        responses: { '200': versionOk('Saved.'), '201': versionOk('Created (version 1).'), ...saveErrors },
      },
    },
    '/{workspaceId}/versions': {
      parameters: [id],
      get: {
        summary: 'Version history, newest first',
        security: [{ bearer: [] }],
        parameters: [
          { name: 'before', in: 'query', schema: { type: 'integer', minimum: 1 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
        ],
        responses: {
          '200': { description: 'Version summaries, newest first.', ...jsonBody({ type: 'object', properties: { workspaceId: { type: 'string' }, versions: { type: 'array', items: ref('VersionSummary') } } }) },
          ...errors,
        },
      },
    },
    '/{workspaceId}/versions/{version}': {
      parameters: [id, { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: { summary: 'One stored version', security: [{ bearer: [] }], responses: { '200': versionOk('The version.'), ...errors, '404': error('No such version.') } },
    },
    '/{workspaceId}/rollback': {
      parameters: [id],
      post: {
        summary: "Save an old version's content as a new version",
        security: [{ bearer: [] }],
        parameters: [preconditions[0]],
        requestBody: { required: true, ...jsonBody(schemaOf(z.strictObject({ version: z.number().int().positive() }), 'input')) },
        responses: { '200': versionOk('Rolled back.'), ...saveErrors, '404': error('No such version.') },
      },
    },
    '/{workspaceId}/export.zip': {
      parameters: [id],
      get: {
        summary: 'The team as a zipped Claude Code folder',
        description:
          'Entries `.claude/skills/<name>/SKILL.md` (+ `references/`), `.claude/agents/<name>.md`, `brand/` and `marketing-team.yaml`, sorted by path with a fixed timestamp: the same document always gives the same bytes, and importing them gives the same document hash.',
        security: [{ bearer: [] }],
        responses: {
          '200': {
            description: 'The zip.',
            headers: {
              ETag: { schema: { type: 'string' } },
              'X-Workspace-Version': { schema: { type: 'integer' } },
              'X-Workspace-Hash': { schema: { type: 'string' }, description: 'The document hash the zip imports back to.' },
            },
            content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } },
          },
          ...errors,
          '404': error('Never saved.'),
        },
      },
    },
    '/{workspaceId}/check': {
      parameters: [id],
      post: {
        summary: 'Every problem of a draft document, located, without saving',
        description: 'The checks a save runs: fields, duplicate names, unknown skills, and every overlapping role (a skill or deliverable kind owned twice) at the place it happens. Needs read or admin.',
        security: [{ bearer: [] }],
        requestBody: { required: true, ...jsonBody(ref('WorkspaceDocument')) },
        responses: { '200': { description: 'The problems; none when ok.', ...jsonBody(ref('WorkspaceCheck')) }, ...errors },
      },
    },
    '/{workspaceId}/route': {
      parameters: [id],
      post: {
        summary: 'Which agent and skill would take a request, and why (no model is called)',
        security: [{ bearer: [] }],
        requestBody: { required: true, ...jsonBody(ref('RoutingTest')) },
        responses: { '200': { description: 'The routing decision, or why there is none.', ...jsonBody(ref('RoutingResult')) }, ...errors },
      },
    },
    '/{workspaceId}/drafts': {
      parameters: [id],
      post: {
        summary: 'Start a studio draft: a template\'s analysis report, or the brand kit from documents',
        description:
          'Stores `draft.requested` in the workspace\'s studio session (`studio.<workspaceId>`) and runs it there as a durable run: the answer streams as `text.delta` events, ends in `draft.created` and `run.completed`, and stops on `cancel.requested`. Nothing is saved to the workspace: the editor reviews the draft and saves. JSON for a reference analysis; `multipart/form-data` (fields `runId`, `documents`: Markdown, plain text, PDF or DOCX files, or pasted text) for a brand intake. The same `runId` again is acknowledged (`duplicate: true`), never run twice. Needs admin.',
        security: [{ bearer: [] }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                required: ['request'],
                properties: {
                  runId: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
                  clientMsgId: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
                  request: schemaOf(DraftRequestSchema as unknown as z.ZodType, 'input'),
                },
              },
            },
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: {
                  runId: { type: 'string' },
                  documents: { type: 'array', items: { type: 'string', contentMediaType: 'application/octet-stream' }, maxItems: MAX_INTAKE_DOCUMENTS },
                },
              },
            },
          },
        },
        responses: {
          '202': { description: 'Started.', ...jsonBody(draftStarted) },
          '200': { description: 'Already started with this runId.', ...jsonBody(draftStarted) },
          ...errors,
          '404': error('The server has no model for drafts.'),
        },
      },
    },
    '/{workspaceId}/import': {
      parameters: [id],
      post: {
        summary: 'Save a zipped Claude Code folder as a new version',
        description:
          'Refused with 400 (`file` and `line` name the place) for what Claude Code would silently drop: invalid frontmatter, duplicate names or paths, files over the size limit, too many entries, paths outside the folder, symbolic links, too many uncompressed bytes. Entries that are not team files are skipped and listed in `ignored`.',
        security: [{ bearer: [] }],
        parameters: preconditions,
        requestBody: { required: true, content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } },
        responses: {
          '200': importOk('Saved.'),
          '201': importOk('Created (version 1).'),
          ...saveErrors,
          '413': error('The zip is larger than the body limit.'),
        },
      },
    },
  };
  for (const section of WORKSPACE_SECTIONS) {
    const schema = ref(sectionSchemas[section]);
    paths[`/{workspaceId}/${section}`] = {
      parameters: [id],
      get: { summary: `The ${section} of the latest version`, security: [{ bearer: [] }], responses: { '200': { description: `The ${section}.`, ...jsonBody(schema) }, ...errors, '404': error('Not set yet.') } },
      put: {
        summary: `Replace the ${section} and save the result as a new version`,
        security: [{ bearer: [] }],
        parameters: preconditions,
        requestBody: { required: true, ...jsonBody(schema) },
        responses: { '200': versionOk('Saved.'), '201': versionOk('Created (version 1).'), ...saveErrors },
      },
    };
  }
  const items = { functions: 'MarketingFunction', skills: 'WorkspaceSkill', agents: 'WorkspaceAgent' } as const;
  for (const [collection, schemaName] of Object.entries(items)) {
    const name = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 64 } };
    paths[`/{workspaceId}/${collection}/{name}`] = {
      parameters: [id, name],
      get: {
        summary: `One item of ${collection}, by name`,
        security: [{ bearer: [] }],
        responses: { '200': { description: 'The item.', ...jsonBody(ref(schemaName)) }, ...errors, '404': error('No such item.') },
      },
      put: {
        summary: `Add or replace one item of ${collection} (its name is the one in the URL) and save the result`,
        security: [{ bearer: [] }],
        parameters: preconditions,
        requestBody: { required: true, ...jsonBody(ref(schemaName)) },
        responses: { '200': versionOk('Saved.'), '201': versionOk('Created (version 1).'), ...saveErrors },
      },
      delete: {
        summary: `Remove one item of ${collection} and save the result`,
        security: [{ bearer: [] }],
        parameters: [preconditions[0]],
        responses: { '200': versionOk('Saved.'), ...saveErrors, '404': error('No such item.') },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'marketing-team workspaces',
      version: '1',
      description:
        "Each workspace is one customer's brand kit, function map, skills, agents, routing rules and playbook, stored as immutable versions. Editing needs a token of that workspace with the admin capability.",
    },
    servers: [{ url: options.serverUrl ?? '/workspaces' }],
    paths,
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
