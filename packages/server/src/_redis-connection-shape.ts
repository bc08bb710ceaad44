import { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * The connection options every Redis-backed class takes: a client of the host's (never closed by
 * the class), or a URL to open one, and the prefix of its keys. `hashTag` is the part of its keys
 * in braces (`{session}`), which the prefix must not break.
 */
export function redisConnectionShape(hashTag: string) {
  return {
    redis: z.instanceof(Redis).optional(),
    url: z.string().min(1).optional(),
    keyPrefix: z
      .string()
      .max(100)
      .regex(/^[^{}\s]*$/, `no braces or spaces: "${hashTag}" is the key hash tag`)
      .default('mt:'),
  };
}
