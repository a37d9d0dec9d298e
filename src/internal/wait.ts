// Polls until a condition holds, with a growing interval, a timeout and an AbortSignal.
import { sleep } from "./attempt-signal.js";
import { DEFAULTS } from "../core/defaults.js";
import { abortedBy, SandboxTimeoutError } from "../core/errors.js";
import { checkMs } from "../core/options.js";

/**
 * Options of the wait helpers, `sandbox.waitUntilRunning` and `volume.waitUntilReady`, which poll at a
 * growing interval until the state is reached.
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
  /** First poll interval in ms; grows by half each poll up to 2 000. Default 250. */
  pollIntervalMs?: number | undefined;
  /** Stop waiting: `RequestAbortedError` is thrown at once. */
  signal?: AbortSignal | undefined;
}

/** Calls `probe` until it returns a value other than `undefined` (or throws), and returns that value.
 * Each probe is given what is left of the wait, so that a slow request cannot overrun it. */
export async function pollUntil<T>(
  what: string,
  probe: (signal: AbortSignal | undefined, remainingMs: number) => Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  checkMs("timeoutMs", options.timeoutMs);
  checkMs("pollIntervalMs", options.pollIntervalMs);
  const timeoutMs = options.timeoutMs ?? DEFAULTS.waitTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  const timedOut = () => new SandboxTimeoutError(`${what}: still waiting after ${timeoutMs} ms`, { code: "timeout" });
  let interval = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
  for (;;) {
    if (options.signal?.aborted) throw abortedBy(what, options.signal);
    const remainingMs = Math.max(1, deadline - Date.now());
    const result = await probe(options.signal, remainingMs).catch((error: unknown) => {
      // A probe cut short by the wait's own deadline is the wait timing out.
      const cutByDeadline = error instanceof SandboxTimeoutError && Date.now() >= deadline;
      throw cutByDeadline ? timedOut() : error;
    });
    if (result !== undefined) return result;
    const left = deadline - Date.now();
    if (left <= 0) throw timedOut();
    // Ends early on the caller's signal (the loop then throws). `close()` need not end it: the next
    // probe fails at once with `ClientClosedError`.
    await sleep(Math.min(interval, left), options.signal);
    interval = Math.min(interval * DEFAULTS.pollGrowth, DEFAULTS.maxPollIntervalMs);
  }
}
