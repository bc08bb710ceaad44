export { renderMarkdown, type RenderMarkdownOptions } from './render-markdown.js';
export { landingPageDocument, type LandingPageDocumentOptions } from './landing-page-document.js';
