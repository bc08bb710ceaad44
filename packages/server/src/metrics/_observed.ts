import type { SessionHub } from '../sessions/session-hub.js';
import type { SessionStore } from '../stores/session-store.js';
import type { ServerMetrics } from './server-metrics.js';

/** Binds methods to the target, so classes with private fields keep working behind the proxy. */
function forward<T extends object>(target: T, key: string | symbol): unknown {
  const value = Reflect.get(target, key, target) as unknown;
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}

/** The store, counting what `append` stores. */
export function countAppends(store: SessionStore, metrics: ServerMetrics): SessionStore {
  const append: SessionStore['append'] = async (session, events, options) => {
    const result = await store.append(session, events, options);
    if (!result.duplicate) metrics.appended(events.length);
    return result;
  };
  return new Proxy(store, { get: (target, key) => (key === 'append' ? append : forward(target, key)) });
}

/** The hub, counting open subscriptions, the sessions they follow and the records delivered to them. */
export function countSubscriptions(hub: SessionHub, metrics: ServerMetrics): { hub: SessionHub; open(): { subscriptions: number; sessions: number } } {
  const bySession = new Map<string, number>();
  let subscriptions = 0;
  const subscribe: SessionHub['subscribe'] = async (session, grant, subscriber, position) => {
    const counted = { ...subscriber, deliver: (batch: Parameters<typeof subscriber.deliver>[0]) => {
      metrics.delivered(batch.records.length);
      subscriber.deliver(batch);
    } };
    const subscription = await hub.subscribe(session, grant, counted, position);
    subscriptions += 1;
    bySession.set(session, (bySession.get(session) ?? 0) + 1);
    let closed = false;
    return {
      close: () => {
        subscription.close();
        if (closed) return;
        closed = true;
        subscriptions -= 1;
        const left = (bySession.get(session) ?? 1) - 1;
        if (left > 0) bySession.set(session, left);
        else bySession.delete(session);
      },
    };
  };
  return {
    hub: new Proxy(hub, { get: (target, key) => (key === 'subscribe' ? subscribe : forward(target, key)) }),
    open: () => ({ subscriptions, sessions: bySession.size }),
  };
}
