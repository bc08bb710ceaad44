'use client';
// A small client over the SSE + POST fallback: EventSource resumes by itself with
// Last-Event-ID after a drop, and briefs and cancels are POSTed, so the two never conflict.
import { useEffect, useState, type FormEvent } from 'react';

interface LogRecord {
  offset: number;
  event: { type: string; runId?: string; agent?: string; messageId?: string; text?: string };
}

async function tokenFor(session: string): Promise<string> {
  const response = await fetch(`/api/mt-token?session=${encodeURIComponent(session)}`);
  return ((await response.json()) as { token: string }).token;
}

export function Campaign({ session }: { session: string }) {
  const [token, setToken] = useState<string>();
  const [texts, setTexts] = useState<Record<string, { agent: string; text: string }>>({});
  const [run, setRun] = useState<{ id: string; status: string }>();

  useEffect(() => {
    let source: EventSource | undefined;
    void tokenFor(session).then((fresh) => {
      setToken(fresh);
      source = new EventSource(`/mt/sessions/${session}/events?token=${encodeURIComponent(fresh)}&from=0`);
      source.onmessage = (message) => {
        const { event } = JSON.parse(message.data) as LogRecord;
        if (event.type === 'message.started' && event.messageId) {
          setTexts((all) => ({ ...all, [event.messageId!]: { agent: event.agent ?? '', text: '' } }));
        } else if (event.type === 'text.delta' && event.messageId) {
          setTexts((all) => ({ ...all, [event.messageId!]: { agent: all[event.messageId!]?.agent ?? '', text: (all[event.messageId!]?.text ?? '') + event.text } }));
        } else if (event.type.startsWith('run.') && event.runId) {
          setRun({ id: event.runId, status: event.type.slice(4) });
        }
      };
    });
    return () => source?.close();
  }, [session]);

  async function post(frame: Record<string, unknown>) {
    await fetch(`/mt/sessions/${session}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session, clientMsgId: crypto.randomUUID(), ...frame }),
    });
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const goal = String(new FormData(event.currentTarget).get('goal') ?? '');
    void post({ type: 'publish', event: { type: 'brief.submitted', runId: `run-${crypto.randomUUID()}`, brief: { goal } } });
  }

  return (
    <section>
      <form onSubmit={submit}>
        <label>
          Campaign brief <input name="goal" required defaultValue="Launch our spring collection" />
        </label>
        <button disabled={!token}>Start</button>
        {run?.status === 'started' && (
          <button type="button" onClick={() => void post({ type: 'cancel', runId: run.id })}>
            Stop
          </button>
        )}
      </form>
      {run && <p aria-live="polite">Run {run.status}</p>}
      {Object.entries(texts).map(([id, { agent, text }]) => (
        <article key={id}>
          <h2>{agent}</h2>
          {/* Model output is untrusted: rendered as text, never as HTML. */}
          <pre style={{ whiteSpace: 'pre-wrap' }}>{text}</pre>
        </article>
      ))}
    </section>
  );
}
