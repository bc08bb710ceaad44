import type { LandingPageDocumentOptions } from '../markdown/landing-page-document.js';
import type { RenderMarkdownOptions } from '../markdown/render-markdown.js';

type Renderer = (markdown: string, options?: RenderMarkdownOptions) => string;
type LandingPageSanitizer = (html: string, options?: LandingPageDocumentOptions) => string;
type Bodies = typeof import('../markdown/deliverable-bodies.js');

/** The sanitizers of the lazily loaded chunk. */
export interface Sanitizers extends Pick<Bodies, 'renderPosts' | 'renderAdCopy' | 'renderCreative' | 'renderMeasurement'> {
  renderMarkdown: Renderer;
  landingPageDocument: LandingPageSanitizer;
  /** The banner made safe to save as a file (empty when nothing drawable is left). */
  inertSvg: (svg: string) => string;
}

let sanitizers: Sanitizers | undefined;
let loading: Promise<Sanitizers> | undefined;

/** The sanitizers if they have loaded already. */
export function loadedSanitizers(): Sanitizers | undefined {
  return sanitizers;
}

/**
 * Loads the sanitizers (marked and DOMPurify) on first use; they are a separate module so the
 * elements load (and a bundler can split) without them.
 */
export function loadSanitizers(): Promise<Sanitizers> {
  loading ??= import('../markdown/render-markdown.js').then((module) => {
    sanitizers = {
      renderMarkdown: module.renderMarkdown,
      landingPageDocument: module.landingPageDocument,
      inertSvg: module.inertSvg,
      renderPosts: module.renderPosts,
      renderAdCopy: module.renderAdCopy,
      renderCreative: module.renderCreative,
      renderMeasurement: module.renderMeasurement,
    };
    return sanitizers;
  });
  return loading;
}

/** The sanitizing Markdown renderer if it has loaded already. */
export function loadedMarkdownRenderer(): Renderer | undefined {
  return sanitizers?.renderMarkdown;
}

/** Loads the sanitizing Markdown renderer on first use. */
export function loadMarkdownRenderer(): Promise<Renderer> {
  return loadSanitizers().then((loaded) => loaded.renderMarkdown);
}
