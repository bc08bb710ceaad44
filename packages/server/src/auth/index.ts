export { DEFAULT_MAX_TOKEN_AGE_SECONDS, createTokenIssuer } from './token-issuer.js';
export type { MintTokenOptions, SessionGrant, TokenIssuer, TokenIssuerOptions, WorkspaceGrant } from './token-issuer.js';
export { MemoryRevocationList, RedisRevocationList, revokes } from './revocation-list.js';
export type { RedisRevocationListOptions, Revocation, RevocationList } from './revocation-list.js';
