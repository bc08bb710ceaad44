// Small assertions for browser tests (no assertion library is installed for the browser).

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function ok(value: unknown, message = 'expected a truthy value'): asserts value {
  if (!value) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, message = ''): void {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${message ? `${message}: ` : ''}expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

export function deepEqual(actual: unknown, expected: unknown, message = ''): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new AssertionError(`${message ? `${message}: ` : ''}expected ${b}, got ${a}`);
}

/** Polls until `check` returns a truthy value (or throws its last error after `timeoutMs`). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new AssertionError(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Finds an element through open shadow roots, in DOM order. */
export function deepQuery<E extends Element = HTMLElement>(root: ParentNode, selector: string): E | undefined {
  return deepQueryAll<E>(root, selector)[0];
}

/**
 * Every element matching `selector`, through open shadow roots. `a >>> b` finds `b` anywhere
 * inside (light or shadow) an element matching `a`.
 */
export function deepQueryAll<E extends Element = HTMLElement>(root: ParentNode, selector: string): E[] {
  const steps = selector.split('>>>').map((step) => step.trim());
  let scopes: ParentNode[] = [root];
  for (const step of steps.slice(0, -1)) scopes = scopes.flatMap((scope) => matchDeep(scope, step));
  const last = steps[steps.length - 1]!;
  return [...new Set(scopes.flatMap((scope) => matchDeep<E>(scope, last)))];
}

function matchDeep<E extends Element>(root: ParentNode, selector: string): E[] {
  const found: E[] = [];
  const visit = (node: ParentNode) => {
    for (const element of Array.from(node.querySelectorAll('*'))) {
      if (element.matches(selector)) found.push(element as E);
      if (element.shadowRoot) visit(element.shadowRoot);
    }
  };
  const host = root as Partial<Element>;
  if (host.shadowRoot) visit(host.shadowRoot);
  visit(root);
  return found;
}

/** Every text node under `node`, through open shadow roots, in DOM order. */
export function deepText(node: Node): string {
  let text = '';
  const visit = (current: Node) => {
    if (current.nodeType === Node.TEXT_NODE) text += current.textContent ?? '';
    if (current instanceof Element && current.shadowRoot) visit(current.shadowRoot);
    for (const child of Array.from(current.childNodes)) visit(child);
  };
  visit(node);
  return text;
}
