import { Campaign } from './campaign';

export default function Page() {
  return (
    <main>
      <h1>AI marketing team</h1>
      <Campaign session="next-demo" />
    </main>
  );
}
