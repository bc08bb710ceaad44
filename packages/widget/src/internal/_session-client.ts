// Core's session client as a module of its own: the element imports it dynamically, so the
// self-contained build ships it (with the protocol's schemas and the reducer) as a chunk fetched
// right after the shell paints, in parallel with the panels, instead of before the first paint.
export { SessionClient } from '@marketing-team/core/client';
