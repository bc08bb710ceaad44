// Entry of the self-contained `dist/marketing-team.js`: the element, the parts its first paint
// shows and the API a script-tag host uses. The brief form, lanes, run controls, task board and
// deliverables load as chunks once the element needs them (see `internal/_lazy-parts.ts`); the package entry
// (`index.ts`) exports their classes for bundlers.
export { MarketingTeamElement, createDefaultClient, type ClientFactory } from './marketing-team-element.js';
export { ConnectionStatusElement } from './connection-status.js';
export { SessionController, type SessionBinding } from './session-controller.js';
export { defaultStrings, resolveStrings, agentDisplayName, type WidgetStrings } from './strings.js';
// For the element's own chunks (see `scripts/bundle.mjs`): they take Lit from this module, so a
// page runs one copy of it. Not an API of the widget.
export { LitElement, css, html, noChange, nothing } from 'lit';
export { Directive, PartType, directive } from 'lit/directive.js';
export { repeat } from 'lit/directives/repeat.js';
