// Polling: the wait helpers (until a condition holds, with a timeout and an AbortSignal) and the pace
// every polling loop keeps, `sandbox.followLogs` included.
import { DEFAULTS } from "../core/defaults.js";
import { abortedBy, RateLimitError, SandboxTimeoutError, ValidationError } from "../core/errors.js";
import { checkMs } from "../core/options.js";
import type { Transport } from "./transport.js";

/**
 * Options of the wait helpers (`sandbox.waitUntilRunning`, `sandbox.waitUntilEnded`,
 * `volume.waitUntilReady`, `snapshot.waitUntilReady`), which poll at a growing interval until the state
 * is reached.
 *
 * @example
 * ```ts
 * const controller = new AbortController(); // abort it to stop waiting early
 * await sandbox.waitUntilRunning({ timeoutMs: 5 * 60_000, pollIntervalMs: 1_000, signal: controller.signal });
 * await volume.waitUntilReady({ timeoutMs: 60_000 });
 * ```
 */
export interface WaitOptions {
  /** Give up after this long, in ms, with `SandboxTimeoutError`. Default 120 000. */
  timeoutMs?: number | undefined;
  /** First poll interval in ms, at least 250; grows by half each poll up to 2 000 (or this, if more).
   * A 429 answer to a poll makes the next one wait at least its `Retry-After`. Default 250. */
  pollIntervalMs?: number | undefined;
  /** Stop waiting: `RequestAbortedError` is thrown at once. */
  signal?: AbortSignal | undefined;
}

/** Checks a first poll interval (when given): a duration no shorter than the SDK ever polls. */
export function checkPollInterval(value: number | undefined): void {
  checkMs("pollIntervalMs", value);
  if (value === Infinity) {
    throw new ValidationError("poll options", [
      { path: "pollIntervalMs", message: "must be a finite number of milliseconds" },
    ]);
  }
  if (value !== undefined && value < DEFAULTS.minPollIntervalMs) {
    const message = `must be at least ${DEFAULTS.minPollIntervalMs} ms: the SDK never polls the API more often`;
    throw new ValidationError("poll options", [{ path: "pollIntervalMs", message }]);
  }
}

/**
 * The pace of a polling loop: each delay is half again the last, up to the maximum (or the first, if
 * that is longer), and after a 429 at least what the server asked (capped as the client's retries cap it).
 */
export class PollPace {
  readonly #first: number;
  readonly #maxRetryAfterMs: number;
  #interval: number;

  constructor(first: number, transport: Transport) {
    this.#first = this.#interval = first;
    this.#maxRetryAfterMs = transport.config.maxRetryAfterMs;
  }

  /** What the server asked of a rate-limited poll, in ms (0 when it did not say). */
  serverAsk(rateLimited: RateLimitError): number {
    return Math.min(rateLimited.retryAfterMs ?? 0, this.#maxRetryAfterMs);
  }

  /** The delay before the next poll; the one after it is longer. */
  next(rateLimited?: RateLimitError): number {
    const delay = Math.max(this.#interval, rateLimited ? this.serverAsk(rateLimited) : 0);
    this.#interval = Math.max(this.#first, Math.min(this.#interval * DEFAULTS.pollGrowth, DEFAULTS.maxPollIntervalMs));
    return delay;
  }

  /** Back to the first interval (news came: more may follow soon). */
  reset(): void {
    this.#interval = this.#first;
  }
}

/** What one probe gave: its result (`undefined` to poll again), or the 429 that answered it. */
type Probed<T> = { result: T | undefined; rateLimited?: RateLimitError };

/**
 * Calls `probe` until it returns a value other than `undefined` (or throws), and returns that value.
 * Each probe is given what is left of the wait, so that a slow request cannot overrun it. A probe
 * answered 429 is not a failure: the next one waits at least the server's `Retry-After`, unless that is
 * past the timeout, when the `RateLimitError` is thrown at once (as the client's own retries do).
 */
export async function pollUntil<T>(
  transport: Transport,
  what: string,
  probe: (signal: AbortSignal | undefined, remainingMs: number) => Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  checkMs("timeoutMs", options.timeoutMs);
  checkPollInterval(options.pollIntervalMs);
  const timeoutMs = options.timeoutMs ?? DEFAULTS.waitTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  const timedOut = () => new SandboxTimeoutError(`${what}: still waiting after ${timeoutMs} ms`, { code: "timeout" });
  const pace = new PollPace(options.pollIntervalMs ?? DEFAULTS.pollIntervalMs, transport);
  for (;;) {
    if (options.signal?.aborted) throw abortedBy(what, options.signal);
    const remainingMs = Math.max(1, deadline - Date.now());
    const { result, rateLimited } = await probe(options.signal, remainingMs).then(
      (value): Probed<T> => ({ result: value }),
      (error: unknown): Probed<T> => {
        // A probe cut short by the wait's own deadline is the wait timing out.
        if (error instanceof SandboxTimeoutError && Date.now() >= deadline) throw timedOut();
        if (error instanceof RateLimitError) return { result: undefined, rateLimited: error };
        throw error;
      },
    );
    if (result !== undefined) return result;
    const left = deadline - Date.now();
    if (left <= 0) throw timedOut();
    if (rateLimited && pace.serverAsk(rateLimited) >= left) throw rateLimited;
    // Ends early on the caller's signal (the loop then throws) and on `close()` (the next probe then
    // fails at once with `ClientClosedError`).
    await transport.pause(Math.min(pace.next(rateLimited), left), options.signal);
  }
}
