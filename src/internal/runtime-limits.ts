// Limits a runtime's own fetch puts on a request, below the caller's timeout, and the fetch options that
// lift them for one request. A call whose budget is longer than them (an exec has none) must be bounded by
// that budget and nothing else: a test suite or a build in a sandbox can run for an hour.
//
// - Node's fetch (undici) stops waiting for response headers, and between body chunks, after 300 s. The
//   request is given the user's own global dispatcher composed with an interceptor that sets this request's
//   `headersTimeout` and `bodyTimeout` to 0 (none): a proxy agent, a CA or pool settings the user installed
//   stay in force, and no global state changes. The dispatcher is found under the symbol undici registers it
//   with, so the main entry imports nothing from `node:`.
// - Bun's fetch fails a connection idle for 5 minutes; `timeout: false` turns that off for one request.
// - Deno, browsers and edge runtimes put no such limit on fetch: nothing is added.

/** Node's (undici's) default `headersTimeout` and `bodyTimeout`, and Bun's default idle timeout. */
const RUNTIME_LIMIT_MS = 300_000;

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

type Dispatch = (options: Record<string, unknown>, handler: unknown) => unknown;
interface Dispatcher {
  compose?(interceptor: (dispatch: Dispatch) => Dispatch): Dispatcher;
}

const NONE: Readonly<Record<string, unknown>> = Object.freeze({});
// The composed dispatcher of each global dispatcher the user has had, made once.
const withoutTimeouts = new WeakMap<Dispatcher, Dispatcher>();

/** Extra fetch options for an attempt allowed `budgetMs`: none unless the runtime's own limit is shorter. */
export function runtimeFetchOptions(budgetMs: number): Readonly<Record<string, unknown>> {
  if (budgetMs <= RUNTIME_LIMIT_MS) return NONE;
  if ((globalThis as { Bun?: unknown }).Bun !== undefined) return { timeout: false };
  const dispatcher = nodeDispatcherWithoutTimeouts();
  return dispatcher ? { dispatcher } : NONE;
}

function nodeDispatcherWithoutTimeouts(): Dispatcher | undefined {
  const global = undiciGlobalDispatcher();
  if (typeof global?.compose !== "function") return undefined;
  let lifted = withoutTimeouts.get(global);
  if (!lifted) {
    lifted = global.compose(
      (dispatch) => (options, handler) => dispatch({ ...options, headersTimeout: 0, bodyTimeout: 0 }, handler),
    );
    withoutTimeouts.set(global, lifted);
  }
  return lifted;
}

function undiciGlobalDispatcher(): Dispatcher | undefined {
  const globals = globalThis as unknown as Record<symbol, Dispatcher | undefined>;
  // Node loads undici, which registers its dispatcher, the first time a fetch class is used.
  if (globals[GLOBAL_DISPATCHER] === undefined && typeof Request === "function") new Request("http://localhost/");
  return globals[GLOBAL_DISPATCHER];
}
