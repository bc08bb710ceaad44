import type { RenderMarkdownOptions } from '../markdown/render-markdown.js';

type Renderer = (markdown: string, options?: RenderMarkdownOptions) => string;

let renderer: Renderer | undefined;
let loading: Promise<Renderer> | undefined;

/** The sanitizing renderer if it has loaded already. */
export function loadedMarkdownRenderer(): Renderer | undefined {
  return renderer;
}

/**
 * Loads the Markdown sanitizer on first use; it is a separate module so the elements load
 * (and a bundler can split) without marked and DOMPurify.
 */
export function loadMarkdownRenderer(): Promise<Renderer> {
  loading ??= import('../markdown/render-markdown.js').then((module) => {
    renderer = module.renderMarkdown;
    return renderer;
  });
  return loading;
}
