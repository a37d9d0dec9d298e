// Sends one logical call as one or more HTTP attempts: retries with backoff, an Idempotency-Key
// made once before the first attempt, a timeout that aborts the fetch, cancellation, redirects
// that never carry credentials to another origin, and log lines that never show a secret.
import { AttemptSignal, sleep } from "./attempt-signal.js";
import { readBody, readErrorBody, type ReadAs } from "./body.js";
import {
  abortedBy,
  ClientClosedError,
  ConnectionError,
  SandboxError,
  SandboxTimeoutError,
  errorFromResponse,
} from "../core/errors.js";
import { checkMs, checkRetries, type RequestOptions, type ResolvedConfig } from "../core/options.js";
import type { Outcome } from "../core/response-info.js";
import { fetchFollowingRedirects } from "./redirects.js";
import { backoffMs, isRetryableNetworkError, isRetryableStatus, retryAfterMs, type RetryMode } from "./retry.js";
import { VERSION } from "../version.js";

export interface Call {
  method: string;
  /** Path and query, appended to the base URL as text (never URL-resolved: the base may have a path). */
  path: string;
  headers?: Record<string, string>;
  body: BodyInit | null;
  retry: RetryMode;
  /** How to read a 2xx body, inside the attempt so that the timeout and retries cover it. */
  read: ReadAs;
  /** Send an Idempotency-Key (creates). */
  idempotent?: boolean;
  /** Default per-attempt timeout for this operation when the caller gives none. */
  timeoutMs?: number;
  /** Return non-2xx responses instead of throwing (the raw client reports them itself). */
  passErrors?: boolean;
  /** Attempts this logical call made before this request, when a caller retries it itself (a create
   * that looked for its sandbox between attempts): numbering and `maxRetries` go on from there. */
  attemptsBefore?: number;
}

const isSuccessStatus = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

export function newIdempotencyKey(): string {
  return typeof crypto.randomUUID === "function"
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// What each way of reading a body can take, JSON when not listed: error bodies are JSON everywhere;
// the raw client's callers set their own.
const ACCEPT: Partial<Record<ReadAs, string>> = {
  bytes: "application/octet-stream, application/json",
  response: "*/*",
};

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
    const c = this.config;
    for (const name of ["timeoutMs", "totalTimeoutMs"] as const) checkMs(name, options[name]);
    checkRetries(options.maxRetries);
    // Header names are case-insensitive (RFC 9110 §5.1): merged lowercased, so no spelling of a name
    // can add a second value or slip past the checks below.
    const headers: Record<string, string> = {
      accept: ACCEPT[call.read] ?? "application/json",
      "user-agent": `porter-sandbox-typescript/${VERSION}`,
    };
    for (const source of [c.headers, call.headers, options.headers]) {
      for (const [name, value] of Object.entries(source ?? {})) headers[name.toLowerCase()] = value;
    }
    // Made once, before the first attempt, and sent unchanged on every retry.
    const idempotencyKey = call.idempotent
      ? (options.idempotencyKey ?? headers["idempotency-key"] ?? newIdempotencyKey())
      : undefined;
    if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
    // Every call goes to the API's own origin; a redirect elsewhere drops the credentials (redirects.ts).
    const url = c.baseUrl + call.path;
    if (c.apiKey !== undefined) headers.authorization = `Bearer ${c.apiKey}`;
    const what = `${call.method} ${call.path.split("?")[0]}`;
    // A stream body can be read only once, so it cannot be sent again.
    const maxRetries = call.body instanceof ReadableStream ? 0 : (options.maxRetries ?? c.maxRetries);
    const timeoutMs = options.timeoutMs ?? call.timeoutMs ?? c.timeoutMs;
    const deadline = Date.now() + (options.totalTimeoutMs ?? c.totalTimeoutMs ?? Infinity);
    const caller = options.signal;
    const closing = this.#closing.signal;
    let attempt = call.attemptsBefore ?? 0;
    // Attempts that timed out or lost the connection after sending: the server may have done them.
    let uncertain = 0;
    // Turns what an attempt threw into the typed error; throws it when the call must not be retried.
    const classify = (
      error: unknown,
      reason: AttemptSignal["reason"],
      budget: number,
      started: number,
    ): SandboxError => {
      if (reason === "close")
        throw new ClientClosedError(`${what}: aborted because the client was closed`, { code: "client_closed" });
      if (reason === "abort") throw abortedBy(what, caller!);
      if (error instanceof SandboxError && reason === undefined) {
        // A 2xx whose body could not be read: the server did the work, the answer is lost.
        if (isSuccessStatus(error.statusCode)) uncertain++;
        throw error;
      }
      if (reason === "timeout") {
        uncertain++;
        const overall = deadline - started <= timeoutMs;
        const failure = new SandboxTimeoutError(
          `${what} timed out after ${Math.round(budget)} ms (${overall ? "totalTimeoutMs" : "timeoutMs"}, attempt ${attempt})`,
          { code: "timeout", cause: error },
        );
        // A request that timed out may have been carried out: only idempotent ones are sent again.
        if (overall || call.retry !== "idempotent") throw failure;
        return failure;
      }
      const neverConnected = isRetryableNetworkError(error, "unstarted");
      if (!neverConnected) uncertain++;
      const failure = new ConnectionError(`${what} failed: ${this.#describe(error)}`, {
        code: "connection_error",
        cause: error,
      });
      if (!isRetryableNetworkError(error, call.retry)) throw failure;
      return failure;
    };
    try {
      for (;;) {
        if (closing.aborted) throw new ClientClosedError(`${what}: the client is closed`, { code: "client_closed" });
        if (caller?.aborted) throw abortedBy(what, caller);
        attempt++;
        headers["x-porter-retry-count"] = String(attempt - 1);
        const started = Date.now();
        const budget = Math.min(timeoutMs, deadline - started);
        const attemptSignal = new AttemptSignal(budget, caller, closing);
        let failure: SandboxError;
        let waitMs: number | undefined;
        try {
          const res = await fetchFollowingRedirects(
            c.fetch,
            url,
            { method: call.method, headers, body: call.body },
            attemptSignal.signal,
          );
          const requestId = res.headers.get("x-request-id") ?? undefined;
          const retryable = !res.ok && isRetryableStatus(res.status, call.retry, res.headers);
          const accepted = res.ok || (call.passErrors && (!retryable || attempt > maxRetries));
          const body = accepted ? await readBody(res, call.read, requestId) : await readErrorBody(res);
          this.#log(
            "debug",
            `${what} ${res.status} (attempt ${attempt}, ${Date.now() - started} ms${requestId ? `, request ${requestId}` : ""})`,
          );
          if (accepted) {
            const replayed = res.headers.get("idempotent-replayed") === "true";
            return {
              data: body as T,
              status: res.status,
              headers: res.headers,
              requestId,
              attempts: attempt,
              idempotencyKey,
              replayed,
            };
          }
          waitMs = retryAfterMs(res.headers);
          failure = errorFromResponse(res.status, body, requestId, waitMs);
          if (!retryable) throw failure;
        } catch (error) {
          failure = classify(error, attemptSignal.reason, budget, started);
        } finally {
          attemptSignal.dispose();
        }
        if (attempt > maxRetries) throw failure;
        const delay = backoffMs(attempt, waitMs, c);
        if (Date.now() + delay >= deadline) throw failure;
        this.#log(
          "info",
          `${what} retrying in ${Math.round(delay)} ms after ${failure.code} (attempt ${attempt} of ${maxRetries + 1})`,
        );
        await sleep(delay, caller, closing);
      }
    } catch (error) {
      if (error instanceof SandboxError) {
        error.attempts = attempt;
        error.uncertainAttempts = uncertain;
      }
      throw error;
    }
  }

  /** Waits the backoff before retry number `retry` (1-based), for callers that retry a call themselves. */
  pauseBeforeRetry(retry: number, signal: AbortSignal | undefined): Promise<void> {
    return sleep(backoffMs(retry, undefined, this.config), signal, this.#closing.signal);
  }

  /** A network error in words: its message and its cause's code (or message). */
  #describe(error: unknown): string {
    const e = error as { message?: string; cause?: { code?: string; message?: string } } | null;
    const cause = e?.cause?.code ?? e?.cause?.message;
    const text = `${e?.message ?? String(error)}${cause ? ` (${cause})` : ""}`;
    // A fetch implementation may quote a header value in its error (an API key with a line break in
    // it, say): never let the key through.
    const key = this.config.apiKey;
    return key ? text.split(key).join("[redacted]") : text;
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
