// Polls until a condition holds, with a growing interval, a timeout and an AbortSignal.
import { DEFAULTS } from "./defaults.js";
import { RequestAbortedError, SandboxTimeoutError } from "./errors.js";
import { checkMs } from "./options.js";

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

/** Calls `probe` until it returns a value other than `undefined` (or throws), and returns that value. */
export async function pollUntil<T>(what: string, probe: (signal: AbortSignal | undefined) => Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  checkMs("timeoutMs", options.timeoutMs);
  checkMs("pollIntervalMs", options.pollIntervalMs);
  const timeoutMs = options.timeoutMs ?? DEFAULTS.waitTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  let interval = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
  for (;;) {
    if (options.signal?.aborted) throw new RequestAbortedError(`${what}: aborted by the caller's signal`, { code: "aborted", cause: options.signal.reason });
    const result = await probe(options.signal);
    if (result !== undefined) return result;
    const left = deadline - Date.now();
    if (left <= 0) throw new SandboxTimeoutError(`${what}: still waiting after ${timeoutMs} ms`, { code: "timeout" });
    await new Promise<void>((resolve) => {
      const done = () => (clearTimeout(timer), options.signal?.removeEventListener("abort", done), resolve());
      const timer = setTimeout(done, Math.min(interval, left));
      options.signal?.addEventListener("abort", done, { once: true });
    });
    interval = Math.min(interval * 1.5, DEFAULTS.maxPollIntervalMs);
  }
}
