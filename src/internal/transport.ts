// The transport: sends each logical call as one or more HTTP attempts (src/internal/logical-call.ts), with
// retries and backoff, an Idempotency-Key made once before the first attempt, a timeout that aborts the
// fetch, cancellation, redirects that never carry credentials to another origin, and log lines that never
// show a secret. It owns what outlives one call: the configuration, `close()`, and the log.
import { sleep } from "./attempt-signal.js";
import { checkRequestOptions, type RequestOptions, type ResolvedConfig } from "../core/options.js";
import type { Outcome } from "../core/response-info.js";
import type { Call } from "./call.js";
import { LogicalCall } from "./logical-call.js";
import { backoffMs } from "./retry.js";

export class Transport {
  /** The client's resolved options (read by the resources for their own policies). */
  readonly config: ResolvedConfig;
  // Aborted by close(): it aborts attempts in flight and ends retry waits.
  readonly #closing = new AbortController();

  constructor(config: ResolvedConfig) {
    this.config = config;
  }

  /** Aborts every request in flight; later calls fail at once with `ClientClosedError`. */
  close(): void {
    this.#closing.abort();
  }

  /** Sends `call` as attempts until one succeeds or the call must give up; a `SandboxError` it throws
   * counts the attempts. */
  async send<T>(call: Call, options: RequestOptions = {}): Promise<Outcome<T>> {
    checkRequestOptions(options);
    const context = { config: this.config, closing: this.#closing.signal, log: this.#log.bind(this) };
    return new LogicalCall<T>(call, options, context).run();
  }

  /** Waits the backoff before retry number `retry` (1-based), for callers that retry a call themselves. */
  pauseBeforeRetry(retry: number, signal: AbortSignal | undefined): Promise<void> {
    return this.pause(backoffMs(retry, undefined, this.config), signal);
  }

  /** Waits `ms` between calls (a poll's interval), ending early without throwing on the caller's signal
   * or on `close()`: the caller's next step then reports which. */
  pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return sleep(ms, signal, this.#closing.signal);
  }

  #log(level: "debug" | "info", line: string): void {
    const { logger, logLevel } = this.config;
    // `debug` shows every line, `info` the info lines only.
    if (logLevel !== "debug" && logLevel !== level) return;
    try {
      logger[level](`porter-sandbox: ${line}`);
    } catch {
      // A failing logger must not turn a request that succeeded into an error.
    }
  }
}
