/**
 * One WebSocket as the hooks see it, whatever the runtime (`ws` on Node, Bun, Deno, a Worker).
 * Adapters wrap their socket in this shape once per connection.
 */
export interface WebSocketPeer {
  /** Sends a text frame. */
  send(data: string): void;
  /** Starts the closing handshake. */
  close(code: number, reason: string): void;
  /** Drops the connection at once, without a closing handshake (used for slow consumers). */
  terminate(): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
  /** Sends a protocol-level ping, where the runtime allows it; browsers answer it by themselves. */
  ping?(): void;
}
