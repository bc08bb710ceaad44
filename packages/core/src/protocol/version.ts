/** Wire protocol version. A server refuses a `hello` with a different major version. */
export const PROTOCOL_VERSION = 1 as const;

/** Version of the reducer's state shape carried in snapshots; bumped when `SessionState` changes. */
export const STATE_VERSION = 3 as const;
