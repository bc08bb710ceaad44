import { useState, type FormEvent } from 'react';
import { useAgentStream, useConnection, useRun, useSession } from '@marketing-team/react';

function AgentLane({ agent }: { agent: string }) {
  const stream = useAgentStream(agent);
  return (
    <article>
      <h3>
        {agent} {stream.streaming ? '…' : ''}
      </h3>
      {/* Model output is untrusted: shown as text, never as HTML. */}
      <pre style={{ whiteSpace: 'pre-wrap' }}>{stream.text}</pre>
    </article>
  );
}

export function App() {
  const { state, submitBrief, cancel } = useSession();
  const run = useRun();
  const connection = useConnection();
  const [error, setError] = useState<string>();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const goal = String(new FormData(event.currentTarget).get('goal') ?? '');
    submitBrief({ goal }).catch((failure: unknown) => setError(String(failure)));
  }

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 960, margin: '2rem auto' }}>
      <h1>AI marketing team</h1>
      <p>Connection: {connection.status}</p>
      <form onSubmit={submit}>
        <input name="goal" required defaultValue="Launch our spring collection" aria-label="Campaign brief" />
        <button>Start</button>
        {run?.status === 'running' && (
          <button type="button" onClick={() => void cancel(run.id)}>
            Stop
          </button>
        )}
      </form>
      {error && <p role="alert">{error}</p>}
      {run && <p aria-live="polite">Run {run.status}</p>}
      {Object.keys(state.agents).map((agent) => (
        <AgentLane key={agent} agent={agent} />
      ))}
      <p>{Object.keys(state.deliverables).length} deliverables</p>
    </main>
  );
}
