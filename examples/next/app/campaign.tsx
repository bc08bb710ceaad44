'use client';
// The standard widget and hooks over the SSE + POST transport: Next route handlers cannot
// upgrade to WebSockets, so the provider's client is told `transport="sse"` (with the default
// `auto` it would find that out by itself after two refused upgrades). Resume after a drop,
// idempotent writes, cancel and token refresh come from core's SessionClient, as over WebSocket.
import { MarketingTeam, MarketingTeamProvider, useConnection } from '@marketing-team/react';

/** Tokens come from the app's own backend (app/api/mt-token/route.ts), which decides who may join. */
async function getToken(session: string): Promise<string> {
  const response = await fetch(`/api/mt-token?session=${encodeURIComponent(session)}`);
  if (!response.ok) throw new Error(`token refused (${response.status})`);
  return ((await response.json()) as { token: string }).token;
}

function Transport() {
  const connection = useConnection();
  return <p data-transport={connection.transport ?? ''}>Connected over {connection.transport === 'sse' ? 'SSE + POST' : (connection.transport ?? '…')}</p>;
}

export function Campaign({ session }: { session: string }) {
  return (
    <MarketingTeamProvider endpoint="/mt" transport="sse" getToken={getToken} session={session}>
      <Transport />
      <MarketingTeam />
    </MarketingTeamProvider>
  );
}
