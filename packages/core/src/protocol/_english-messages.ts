import { config } from 'zod/mini';

type LocaleError = NonNullable<ReturnType<typeof config>['localeError']>;

let english: LocaleError | undefined;
let loading: Promise<void> | undefined;

/**
 * zod/mini ships without messages ("Invalid input" for everything); classic zod registers English
 * on first use. Doing the same here keeps protocol errors identical in a browser that loads only
 * zod/mini and on a server that also loads classic zod. A locale the host set first is kept.
 *
 * The English locale is a module of its own, imported when this first runs rather than with
 * core (through `_english-locale.ts`, which says why), so the browser's first paint does not
 * wait for it: an issue raised in the few milliseconds before it is in reads zod's "Invalid input".
 */
export function ensureEnglishMessages(): void {
  if (config().localeError) return;
  config({ localeError: (issue) => english?.(issue) });
  loading ??= import('./_english-locale.js').then(
    (locale) => {
      english = locale.default().localeError;
    },
    () => {
      // Without the locale (its chunk unreachable) messages stay zod's generic ones.
      loading = undefined;
    },
  );
}

// The one side effect of this package (listed in its `sideEffects`): every module that builds or
// parses a zod/mini schema imports this file for it, so a bundle that keeps any of them keeps it.
ensureEnglishMessages();
