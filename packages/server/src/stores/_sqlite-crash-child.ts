// Child process of sqlite-crash.test.ts: appends until killed and prints each acknowledged
// offset (with the text it stored) on its own line, only after `append` resolved.
import { SqliteStore, type SqliteSynchronous } from './sqlite-store.js';

const [path, synchronous] = process.argv.slice(2);
const store = new SqliteStore({ path: path!, synchronous: synchronous as SqliteSynchronous });

async function appender(writer: number): Promise<never> {
  for (let index = 0; ; index++) {
    const size = 1 + (index % 3);
    const events = Array.from({ length: size }, (_, position) => ({
      type: 'text.delta' as const,
      runId: 'r1',
      taskId: `t${writer}`,
      agent: 'content-creator',
      messageId: 'm1',
      text: `w${writer}-${index}-${position}`,
    }));
    const { records } = await store.append('crash', events);
    process.stdout.write(records.map((record) => `${record.offset} ${(record.event as { text: string }).text}\n`).join(''));
  }
}

process.stdout.write('ready\n');
void Promise.all([0, 1, 2, 3].map(appender));
