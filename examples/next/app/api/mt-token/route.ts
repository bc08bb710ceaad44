// The host's own backend mints session tokens; the browser never sees the secret. Here every
// visitor is the same demo user: read the signed-in user from your own auth instead.
import { server } from '../../../lib/team-server';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  const session = new URL(request.url).searchParams.get('session') ?? '';
  try {
    const token = await server.tokens.mint({ session, userId: 'demo-user', userName: 'Demo user', capabilities: ['read', 'write', 'control'], ttlSeconds: 3600 });
    return Response.json({ token });
  } catch (error) {
    return Response.json({ error: error instanceof Error ? error.message : 'refused' }, { status: 400 });
  }
}
