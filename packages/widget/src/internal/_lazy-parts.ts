// The parts of `<marketing-team>` its first paint does without: a separate module each, imported
// dynamically, so the self-contained build ships them as chunks fetched once the shell (header,
// connection status, section headings) is on screen, while the session connects. Until a part's module is in, its tag is an unknown
// element; Lit keeps the properties bound to it and applies them when the element upgrades.
// Imported through the package entry (`index.ts`) every part is defined up front, and these
// imports resolve at once.

let panelParts: Promise<unknown> | undefined;
let deliverableParts: Promise<unknown> | undefined;

/** Loads the brief form, the lanes, the run progress and controls and the task board (once; a failed load is retried on the next call). */
export function loadPanelParts(): Promise<unknown> {
  panelParts ??= import('./_panels.js').catch((error: unknown) => {
    panelParts = undefined;
    throw error;
  });
  return panelParts;
}

/** Loads the deliverables gallery and its cards (once; a failed load is retried on the next call). */
export function loadDeliverableParts(): Promise<unknown> {
  deliverableParts ??= import('../deliverables-gallery.js').catch((error: unknown) => {
    deliverableParts = undefined;
    throw error;
  });
  return deliverableParts;
}

let debugPanel: Promise<unknown> | undefined;

/** Loads the debug panel, only for an element with the `debug` attribute (once; a failed load is retried on the next call). */
export function loadDebugPanel(): Promise<unknown> {
  debugPanel ??= import('../debug-panel.js').catch((error: unknown) => {
    debugPanel = undefined;
    throw error;
  });
  return debugPanel;
}
