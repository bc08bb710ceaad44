export { createDemoHandler } from './demo-app.js';
export type { DemoOptions } from './demo-app.js';
export { renderDemoPage } from './demo-page.js';
export { renderWidgetPage } from './widget-page.js';
