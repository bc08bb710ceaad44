// Every session route under /mt: the SSE stream (GET …/events), POST …/messages (brief,
// cancel, steer) and /mt/health. Next route handlers cannot upgrade to WebSockets, so this
// app uses the SSE + POST fallback.
import { toNextRouteHandlers } from '@marketing-team/server/next';
import { server } from '../../../lib/team-server';

export const { GET, POST, PUT, DELETE, OPTIONS } = toNextRouteHandlers(server);
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
