// One logical call (what a method of the SDK asks for) sent as one or more HTTP attempts. Its state,
// the attempt count, what is known of earlier attempts and the limits that bound it, lives in this
// object; each step of an attempt is a method of its own, read top to bottom in `run()`.
import { AttemptSignal, sleep, type AbortReason } from "./attempt-signal.js";
import { readBody, readErrorBody } from "./body.js";
import {
  abortedBy,
  ClientClosedError,
  ConnectionError,
  SandboxError,
  SandboxTimeoutError,
  errorFromResponse,
} from "../core/errors.js";
import type { RequestOptions, ResolvedConfig } from "../core/options.js";
import type { Outcome } from "../core/response-info.js";
import { fetchFollowingRedirects } from "./redirects.js";
import { backoffMs, isRetryableNetworkError, isRetryableStatus, neverConnected, retryAfterMs } from "./retry.js";
import { requestHeaders, type Call } from "./call.js";
import { CancellableBody } from "./cancellable-body.js";
import { redactSecret } from "./redact.js";
import { runtimeFetchOptions } from "./runtime-limits.js";

/** How one attempt ended when it did not end the call: the error to report if no retry follows, and
 * the wait the server asked for. */
interface Retryable {
  failure: SandboxError;
  serverAskMs: number | undefined;
}

/** What the transport lends a call: its configuration, the client's closing signal, and its log. */
export interface CallContext {
  config: ResolvedConfig;
  closing: AbortSignal;
  log(level: "debug" | "info", line: string): void;
}

export class LogicalCall<T> {
  readonly #call: Call;
  readonly #context: CallContext;
  readonly #caller: AbortSignal | undefined;
  /** "METHOD /path", without the query, for messages. */
  readonly #what: string;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  /** What is sent: the call's body, or a stream body wrapped so that a failed call can cancel it. */
  readonly #body: BodyInit | null;
  readonly #streamBody: CancellableBody | undefined;
  readonly #idempotencyKey: string | undefined;
  readonly #maxRetries: number;
  readonly #timeoutMs: number;
  /** When `totalTimeoutMs` runs out (Infinity without one). */
  readonly #deadline: number;
  #attempt: number;
  /** Attempts that timed out or lost the connection after sending: the server may have done them. */
  #uncertain = 0;

  constructor(call: Call, options: RequestOptions, context: CallContext) {
    const { config } = context;
    this.#call = call;
    this.#context = context;
    this.#caller = options.signal;
    this.#what = `${call.method} ${call.path.split("?")[0]}`;
    // Every call goes to the API's own origin; a redirect elsewhere drops the credentials (redirects.ts).
    this.#url = config.baseUrl + call.path;
    const { headers, idempotencyKey } = requestHeaders(call, options, config);
    this.#headers = headers;
    this.#idempotencyKey = idempotencyKey;
    // A stream body can be read only once, so it cannot be sent again.
    this.#streamBody = call.body instanceof ReadableStream ? new CancellableBody(call.body) : undefined;
    this.#body = this.#streamBody?.stream ?? call.body;
    this.#maxRetries = this.#streamBody ? 0 : (options.maxRetries ?? config.maxRetries);
    this.#timeoutMs = options.timeoutMs ?? call.timeoutMs ?? config.timeoutMs;
    this.#deadline = Date.now() + (options.totalTimeoutMs ?? config.totalTimeoutMs ?? Infinity);
    this.#attempt = call.attemptsBefore ?? 0;
  }

  /** Sends attempts until one succeeds or the call must give up; a `SandboxError` it throws counts the
   * attempts made and those of unknown outcome. */
  async run(): Promise<Outcome<T>> {
    try {
      for (;;) {
        this.#throwIfStopped();
        const result = await this.#attemptOnce();
        if ("data" in result) return result;
        await this.#waitBeforeRetry(result);
      }
    } catch (error) {
      // A stream the call will not send to its end must stop being pulled (an endless one never would).
      this.#streamBody?.cancel(error);
      if (error instanceof SandboxError) {
        error.attempts = this.#attempt;
        error.uncertainAttempts = this.#uncertain;
      }
      throw error;
    }
  }

  #throwIfStopped(): void {
    if (this.#context.closing.aborted) {
      throw new ClientClosedError(`${this.#what}: the client is closed`, { code: "client_closed" });
    }
    if (this.#caller?.aborted) throw abortedBy(this.#what, this.#caller);
  }

  /** One HTTP attempt, bounded by its own timeout, the caller's signal and the client's closing. */
  async #attemptOnce(): Promise<Outcome<T> | Retryable> {
    this.#attempt++;
    this.#headers["x-porter-retry-count"] = String(this.#attempt - 1);
    const started = Date.now();
    const budget = Math.min(this.#timeoutMs, this.#deadline - started);
    const signal = new AttemptSignal(budget, this.#caller, this.#context.closing);
    try {
      const request = {
        method: this.#call.method,
        headers: this.#headers,
        body: this.#body,
        // Only the runtime's own fetch has the limits, and takes the options that lift them.
        runtimeOptions: this.#context.config.runtimeFetch ? runtimeFetchOptions(budget) : undefined,
      };
      const response = await fetchFollowingRedirects(this.#context.config.fetch, this.#url, request, signal.signal);
      return await this.#readAnswer(response, started);
    } catch (error) {
      return { failure: this.#failureOf(error, signal.reason, budget, started), serverAskMs: undefined };
    } finally {
      signal.dispose();
    }
  }

  /** The outcome of an answered attempt, or the failure to retry; throws a failure not to retry. */
  async #readAnswer(response: Response, started: number): Promise<Outcome<T> | Retryable> {
    const requestId = response.headers.get("x-request-id") ?? undefined;
    const retryable = !response.ok && isRetryableStatus(response.status, this.#call.retry, response.headers);
    // The raw client reports error answers itself, once no retry will follow.
    const lastAnswerForRawClient = this.#call.passErrors === true && (!retryable || this.#retriesUsedUp());
    const accepted = response.ok || lastAnswerForRawClient;
    // An error answer may echo the request's Authorization header (a proxy's 401 page, say).
    const body = accepted
      ? await readBody(response, this.#call.read, requestId, this.#context.config.apiKey)
      : await readErrorBody(response, this.#context.config.apiKey);
    this.#logAttempt(response.status, started, requestId);
    if (accepted) return this.#outcome(response, body as T, requestId);
    // A 408 or a 5xx may come after the server did the work: its outcome is as unknown as a timeout's.
    if (mayHaveActed(response)) this.#uncertain++;
    const serverAskMs = retryAfterMs(response.headers);
    const failure = errorFromResponse(response.status, body, requestId, serverAskMs);
    if (!retryable) throw failure;
    return { failure, serverAskMs };
  }

  #outcome(response: Response, data: T, requestId: string | undefined): Outcome<T> {
    return {
      data,
      status: response.status,
      headers: response.headers,
      requestId,
      attempts: this.#attempt,
      idempotencyKey: this.#idempotencyKey,
      replayed: response.headers.get("idempotent-replayed") === "true",
    };
  }

  /**
   * Turns what an attempt threw into the typed error to retry with, or throws it when the call must not
   * be retried: the client closed, the caller aborted, a timeout of a call that may have run, a
   * connection failure after which the server may have done the work.
   */
  #failureOf(error: unknown, reason: AbortReason | undefined, budget: number, started: number): SandboxError {
    if (reason === "close") {
      throw new ClientClosedError(`${this.#what}: aborted because the client was closed`, { code: "client_closed" });
    }
    if (reason === "abort") throw abortedBy(this.#what, this.#caller!);
    if (reason === "timeout") return this.#timedOut(error, budget, started);
    if (error instanceof SandboxError) {
      // A 2xx whose body could not be read: the server did the work, the answer is lost.
      if (isSuccessStatus(error.statusCode)) this.#uncertain++;
      throw redactSecret(error, this.#context.config.apiKey);
    }
    return this.#connectionFailed(error);
  }

  #timedOut(error: unknown, budget: number, started: number): SandboxTimeoutError {
    this.#uncertain++;
    const totalBudgetRanOut = this.#deadline - started <= this.#timeoutMs;
    const which = totalBudgetRanOut ? "totalTimeoutMs" : "timeoutMs";
    const failure = new SandboxTimeoutError(
      `${this.#what} timed out after ${Math.round(budget)} ms (${which}, attempt ${this.#attempt})`,
      { code: "timeout", cause: redactSecret(error, this.#context.config.apiKey) },
    );
    // A request that timed out may have been carried out: only idempotent ones are sent again.
    if (totalBudgetRanOut || this.#call.retry !== "idempotent") throw failure;
    return failure;
  }

  #connectionFailed(error: unknown): ConnectionError {
    if (!neverConnected(error)) this.#uncertain++;
    const message = `${this.#what} failed: ${describeNetworkError(error, this.#context.config.apiKey)}`;
    // The runtime's error is kept as `cause` for its details, without the key its message may quote.
    const cause = redactSecret(error, this.#context.config.apiKey);
    const failure = new ConnectionError(message, { code: "connection_error", cause });
    if (!isRetryableNetworkError(error, this.#call.retry)) throw failure;
    return failure;
  }

  #retriesUsedUp(): boolean {
    return this.#attempt > this.#maxRetries;
  }

  /** Waits the backoff (or the server's ask) before the next attempt; throws the failure when no retry
   * is left or the wait would run past `totalTimeoutMs`. */
  async #waitBeforeRetry({ failure, serverAskMs }: Retryable): Promise<void> {
    if (this.#retriesUsedUp()) throw failure;
    const delay = backoffMs(this.#attempt, serverAskMs, this.#context.config);
    if (Date.now() + delay >= this.#deadline) throw failure;
    const of = `attempt ${this.#attempt} of ${this.#maxRetries + 1}`;
    this.#context.log("info", `${this.#what} retrying in ${Math.round(delay)} ms after ${failure.code} (${of})`);
    await sleep(delay, this.#caller, this.#context.closing);
  }

  #logAttempt(status: number, started: number, requestId: string | undefined): void {
    const request = requestId ? `, request ${requestId}` : "";
    const took = `${Date.now() - started} ms`;
    this.#context.log("debug", `${this.#what} ${status} (attempt ${this.#attempt}, ${took}${request})`);
  }
}

/** Whether an error answer leaves open that the server carried the request out: a 408 or a 5xx, except a
 * 503 with `Retry-After`, which says the server refused before doing anything. */
function mayHaveActed(response: Response): boolean {
  const refusedBeforeStarting = response.status === 503 && response.headers.has("retry-after");
  return (response.status === 408 || response.status >= 500) && !refusedBeforeStarting;
}

function isSuccessStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}

/** A network error in words, its message and its cause's code (or message), with the API key redacted:
 * a fetch implementation may quote a header value in its error (a key with a line break in it, say). */
export function describeNetworkError(error: unknown, apiKey: string | undefined): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } } | null;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return redactSecret(`${e?.message ?? String(error)}${cause ? ` (${cause})` : ""}`, apiKey);
}
