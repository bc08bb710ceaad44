export { renderMarkdown, type RenderMarkdownOptions } from './render-markdown.js';
