// zod/mini: the props checks ship in the browser bundle, and classic zod would add its whole API.
import * as z from 'zod/mini';
import { AgentNameSchema, IdSchema, SessionClientError, SessionIdSchema, protocolErrorFromZod } from '@marketing-team/core/client';

/** Parses `value` or throws a `SessionClientError('invalid_argument')` naming the field. Takes classic and mini schemas alike. */
export function parseArgument<T>(schema: z.core.$ZodType<T>, value: unknown, field: string): T {
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return parsed.data;
  const problem = protocolErrorFromZod(parsed.error, field);
  throw new SessionClientError('invalid_argument', problem.message, { field: problem.field ?? field });
}

const fn = <T>(message = 'expected a function') => z.custom<T>((value) => typeof value === 'function', message);

/** A session token as the props take it. */
export const TokenSchema = z.string().check(z.minLength(1), z.maxLength(4096));
/** A `getToken` callback. */
export const GetTokenSchema = fn<(session: string) => string | Promise<string>>();

/** The auth part of `MarketingTeamProvider`, `MarketingTeamSession` and `useSession` options. */
export const AuthPropsSchema = z.object({
  token: z.optional(TokenSchema),
  getToken: z.optional(GetTokenSchema),
});

// Core's schemas are wrapped with functions, not methods, so any zod flavour core uses fits.
export const SessionArgumentSchema = SessionIdSchema;
export const OptionalSessionArgumentSchema = z.optional(SessionIdSchema);
export const RunIdArgumentSchema = z.optional(IdSchema);
export const AgentArgumentSchema = AgentNameSchema;
export const EqualityArgumentSchema = z.optional(fn<(a: unknown, b: unknown) => boolean>());
export const SelectorArgumentSchema = fn<(state: unknown) => unknown>();
