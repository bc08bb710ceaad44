export { createDemoHandler } from './demo-app.js';
export { renderDemoPage } from './demo-page.js';
