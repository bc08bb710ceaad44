import { config } from 'zod/mini';
// The English locale alone: `zod/locales` re-exports every language, which a bundler may not drop.
import en from 'zod/v4/locales/en.js';

/**
 * zod/mini ships without messages ("Invalid input" for everything); classic zod registers English
 * on first use. Doing the same here keeps protocol errors identical in a browser that loads only
 * zod/mini and on a server that also loads classic zod. A locale the host set first is kept.
 */
export function ensureEnglishMessages(): void {
  if (!config().localeError) config(en());
}

// The one side effect of this package (listed in its `sideEffects`): every module that builds or
// parses a zod/mini schema imports this file for it, so a bundle that keeps any of them keeps it.
ensureEnglishMessages();
