/**
 * Default largest accepted wire frame, in bytes. Apart from the schemas (no zod here), so the
 * client's lazily loaded transports can name it without pulling the protocol's schemas into
 * their chunk.
 */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
