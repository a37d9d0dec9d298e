// When a failed attempt may be tried again, and how long to wait first.
import { DEFAULTS } from "../core/defaults.js";
import { ConnectionError, SandboxError, SandboxTimeoutError } from "../core/errors.js";

/**
 * How much of a failure a request may be retried through.
 * - `idempotent`: repeating it cannot do the work twice: GET, PUT, DELETE (RFC 9110 §9.2.2), and
 *   creates carrying an `Idempotency-Key` that the server deduplicates on. Retried on connection
 *   failures, timeouts, 408, 429 and 5xx.
 * - `unstarted`: repeating it could do the work twice (exec, move, snapshot). Retried only when the
 *   failure proves the server never started it: a 429, a 503 that carries `Retry-After` (the server
 *   refused before doing anything), or a connection that was never established (refused, DNS).
 */
export type RetryMode = "idempotent" | "unstarted";

// Decided by the status alone, as the spec defines them: no response header can make a request that
// might have run (an exec, say) be sent again.
export function isRetryableStatus(status: number, mode: RetryMode, headers: Headers): boolean {
  const rateLimited = status === 429;
  // A 503 that says when to come back: the server refused the request before doing anything.
  const refusedForNow = status === 503 && headers.has("retry-after");
  if (mode === "unstarted") return rateLimited || refusedForNow;
  const mayBeTransient = status === 408 || status >= 500;
  return rateLimited || mayBeTransient;
}

// Error codes of failures that happen before a connection exists, as Node (undici), Bun and Deno
// report them in `error.cause.code`. Browsers expose none, so there exec is not retried at all.
const NEVER_CONNECTED: ReadonlySet<unknown> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "ConnectionRefused",
]);

/** Whether a network error happened before any connection existed, so the server never saw the request.
 * Anything else, a missing or non-string code included, may have reached the server. */
export function neverConnected(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return NEVER_CONNECTED.has(code);
}

export function isRetryableNetworkError(error: unknown, mode: RetryMode): boolean {
  return mode === "idempotent" || neverConnected(error);
}

/**
 * Milliseconds the server asked us to wait, from `retry-after-ms` (a common extension) or
 * `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Undefined when absent or unusable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  return fromRetryAfterMs(headers.get("retry-after-ms")) ?? fromRetryAfter(headers.get("retry-after"), now);
}

/** `retry-after-ms`: a number of milliseconds, zero or more. */
function fromRetryAfterMs(value: string | null): number | undefined {
  // Absent reads as blank, which is no number.
  const ms = Number.parseFloat(value ?? "");
  const usable = Number.isFinite(ms) && ms >= 0;
  return usable ? ms : undefined;
}

/** `Retry-After`: delay-seconds, or an HTTP-date (a date already past asks for no wait at all). */
function fromRetryAfter(value: string | null, now: number): number | undefined {
  // Absent reads as blank, which is no number and no date.
  const text = value ?? "";
  const seconds = Number(text);
  // `Number` reads blank as 0, so blank is ruled out first. A negative number of seconds is unusable,
  // and never read as a date (Date.parse takes "-1" for a year).
  const isSeconds = text.trim() !== "" && Number.isFinite(seconds);
  if (isSeconds) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface BackoffOptions {
  retryDelayMs: number;
  maxRetryDelayMs: number;
  maxRetryAfterMs: number;
}

/** Delay before retry number `retry` (1-based): the server's ask when it gave one (capped), else
 * exponential backoff with up to `DEFAULTS.retryJitter` (a quarter) taken off at random, so that many
 * clients do not retry in step. */
export function backoffMs(retry: number, serverAskMs: number | undefined, o: BackoffOptions): number {
  if (serverAskMs !== undefined) return Math.min(serverAskMs, o.maxRetryAfterMs);
  const doubled = o.retryDelayMs * 2 ** (retry - 1);
  const step = Math.min(doubled, o.maxRetryDelayMs);
  const jitter = Math.random() * DEFAULTS.retryJitter;
  return step * (1 - jitter);
}

/**
 * Whether a create that failed with `error` may still have made its resource: the attempt timed out or
 * lost its connection after sending, or the server answered 408, a 5xx, or a 2xx whose body could not be
 * read. A 4xx, a refused connection or a validation error prove nothing was made.
 */
export function mayHaveCreated(error: unknown): boolean {
  // No answer came: what the attempts themselves may have done decides.
  const unanswered = error instanceof SandboxTimeoutError || error instanceof ConnectionError;
  if (unanswered) return error.uncertainAttempts > 0;
  const status = error instanceof SandboxError ? error.statusCode : undefined;
  if (status === undefined) return false;
  const committedButUnreadable = status >= 200 && status < 300;
  const mayHaveRun = status === 408 || status >= 500;
  return committedButUnreadable || mayHaveRun;
}
