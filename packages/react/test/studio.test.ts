// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { createElement } from 'react';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MarketingTeamStudioElement } from '@marketing-team/widget/studio';
import { MarketingTeamStudio } from '../src/studio.js';

// As in marketing-team.test.ts: the browser build of @lit/react, which sets properties.
vi.mock('@lit/react', async () => {
  const entry = createRequire(join(import.meta.dirname, '..', 'package.json')).resolve('@lit/react');
  const root = entry.slice(0, entry.lastIndexOf('/@lit/react/') + '/@lit/react/'.length);
  return (await import(join(root, 'development', 'index.js'))) as typeof import('@lit/react');
});

afterEach(() => cleanup());

describe('<MarketingTeamStudio>', () => {
  it('renders the studio element with props as properties and typed event props', () => {
    const getToken = vi.fn(() => 'admin-token');
    const onTryBrief = vi.fn();
    const strings = { title: 'Studio' };
    const view = render(createElement(MarketingTeamStudio, { workspace: 'acme', getToken, strings, onTryBrief, step: 'agents' }));
    const element = view.container.querySelector('marketing-team-studio') as MarketingTeamStudioElement;
    expect(element).toBeInstanceOf(MarketingTeamStudioElement);
    expect(element.getToken).toBe(getToken);
    expect(element.strings).toBe(strings);
    expect(element.step).toBe('agents');
    element.dispatchEvent(new CustomEvent('mt-try-brief', { detail: { workspace: 'acme', version: 1 } }));
    expect(onTryBrief).toHaveBeenCalledTimes(1);
  });
});
