// Typed handles on the mocha globals @web/test-runner provides in the browser.
type Test = (this: unknown) => void | Promise<void>;
const globals = globalThis as unknown as {
  describe: (name: string, body: () => void) => void;
  it: (name: string, body: Test) => void;
  before: (body: Test) => void;
  after: (body: Test) => void;
  beforeEach: (body: Test) => void;
  afterEach: (body: Test) => void;
};

export const describe = globals.describe;
export const it = globals.it;
export const before = globals.before;
export const after = globals.after;
export const beforeEach = globals.beforeEach;
export const afterEach = globals.afterEach;
