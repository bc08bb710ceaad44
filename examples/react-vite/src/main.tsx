import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MarketingTeamProvider } from '@marketing-team/react';
import { App } from './app';

// Tokens come from the app's own backend, which decides who may join which session.
async function getToken(session: string): Promise<string> {
  const response = await fetch(`/api/mt-token?session=${encodeURIComponent(session)}`);
  if (!response.ok) throw new Error(`token refused (${response.status})`);
  return ((await response.json()) as { token: string }).token;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MarketingTeamProvider endpoint="/mt" session="react-demo" getToken={getToken}>
      <App />
    </MarketingTeamProvider>
  </StrictMode>,
);
