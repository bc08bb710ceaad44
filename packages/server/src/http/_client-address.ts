// The remote address of the socket a Web Request came in on. A Request does not carry it, so
// the Node adapter notes it here when it builds the Request, for the per-address limits.
const addresses = new WeakMap<Request, string>();

/** Notes the socket address `request` came from. */
export function rememberClientAddress(request: Request, address: string | undefined): void {
  if (address) addresses.set(request, address);
}

/** The socket address noted for `request`, if an adapter noted one. */
export function clientAddressOf(request: Request): string | undefined {
  return addresses.get(request);
}
