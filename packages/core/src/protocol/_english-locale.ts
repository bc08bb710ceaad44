// zod's English messages, the module `_english-messages.ts` imports when it first runs.
//
// The locale imports zod's shared helpers but none of its schemas, so an app bundler that splits
// by file would put those helpers in a chunk of their own, apart from the rest of zod: one more
// chunk for a page's first load, and about 0.7 KiB min+gzip more than one chunk holding all of
// zod (`bench/client-bundle.test.ts`). Reaching zod/mini from here too keeps zod in one chunk;
// `config` is what `_english-messages.ts` registers the locale with.
export { config } from 'zod/mini';
export { default } from 'zod/v4/locales/en.js';
