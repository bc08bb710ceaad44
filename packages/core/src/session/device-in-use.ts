import type { SessionViewer } from './session-handle.js';

/** Orders a person's devices: focused before unfocused, visible before hidden, then the one active most recently. */
function rank(viewer: SessionViewer): [number, number, number] {
  return [viewer.focused ? 1 : 0, viewer.visible ? 1 : 0, viewer.activeAt ?? viewer.since];
}

function before(a: SessionViewer, b: SessionViewer): boolean {
  const [x, y] = [rank(a), rank(b)];
  for (let index = 0; index < x.length; index += 1) if (x[index] !== y[index]) return x[index]! > y[index]!;
  // A stable choice every device makes alike.
  return a.clientId < b.clientId;
}

/**
 * The device `userId` is using among `viewers` (a session's presence): the focused one, else a
 * visible one, else the one focused most recently. Every device of the session computes the same
 * answer from the same presence, so exactly one of them shows a review request prominently.
 * Undefined when the person has no device in the list (without the `presence` capability, say).
 */
export function deviceInUse(viewers: readonly SessionViewer[], userId: string): SessionViewer | undefined {
  let best: SessionViewer | undefined;
  for (const viewer of viewers) if (viewer.userId === userId && (!best || before(viewer, best))) best = viewer;
  return best;
}
