export { createTokenIssuer } from './token-issuer.js';
export type { MintTokenOptions, SessionGrant, TokenIssuer, TokenIssuerOptions } from './token-issuer.js';
