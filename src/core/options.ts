// The options a `Porter` client takes, each documented where it is declared, and their resolution
// against the environment and src/core/defaults.ts.
import { readEnv, resolveLocation } from "./config.js";
import { DEFAULTS } from "./defaults.js";
import { ConfigurationError, ValidationError, type ValidationIssue } from "./errors.js";

/**
 * How much the client logs (exported as `ClientLogLevel`): `debug` logs every HTTP attempt, `info` logs
 * retries, `warn` and `error` log nothing in normal operation, `off` nothing at all.
 *
 * @example
 * ```ts
 * const logLevel: ClientLogLevel = process.env.CI ? "info" : "warn";
 * const porter = new Porter({ logLevel });
 * ```
 */
export type LogLevel = "off" | "error" | "warn" | "info" | "debug";
/**
 * Where the client's log lines go: `console` by default, or any object with these four methods (pino,
 * winston and most loggers fit). Each line is one string, prefixed `porter-sandbox:`; secrets are never
 * logged.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const logger: Logger = {
 *   error: (m) => lines.push(`ERROR ${m}`),
 *   warn: (m) => lines.push(`WARN ${m}`),
 *   info: (m) => lines.push(`INFO ${m}`),
 *   debug: (m) => lines.push(`DEBUG ${m}`),
 * };
 * const porter = new Porter({ logger, logLevel: "debug" });
 * ```
 */
export interface Logger {
  /** Logs a line at level `error`. */
  error(message: string): void;
  /** Logs a line at level `warn`. */
  warn(message: string): void;
  /** Logs a line at level `info`: retries, with their delay and the failure that caused them. */
  info(message: string): void;
  /** Logs a line at level `debug`: one per HTTP attempt (method, path, status, duration, request id). */
  debug(message: string): void;
}

/**
 * Options of `new Porter(options)`. All are optional: where the API is and the key come from the
 * environment when not given.
 *
 * @example
 * ```ts
 * const porter = new Porter({
 *   baseUrl: "http://127.0.0.1:8080",
 *   timeoutMs: 10_000,
 *   maxRetries: 4,
 *   defaultHeaders: { "x-team": "ml" },
 *   logLevel: "info",
 * });
 * ```
 */
export interface ClientOptions {
  /** API key (a Porter API token). Only needed outside the cluster. Default: `PORTER_SANDBOX_API_KEY`. */
  apiKey?: string | undefined;
  /** API base URL, used as given (a trailing `/` is dropped). Default: `PORTER_SANDBOX_BASE_URL`,
   * else derived from `PORTER_CLUSTER_ID` and the key, else the in-cluster URL inside Kubernetes. */
  baseUrl?: string | undefined;
  /** Per-attempt request timeout in ms. Default 30 000. Exec calls have none unless given per call. */
  timeoutMs?: number | undefined;
  /** Budget in ms for a whole call, retries and waits included. Default: none. */
  totalTimeoutMs?: number | undefined;
  /** Retries after the first attempt, for failures that are safe to retry. Default 2. */
  maxRetries?: number | undefined;
  /** First retry delay in ms; doubles each retry up to `maxRetryDelayMs`. Default 500. */
  retryDelayMs?: number | undefined;
  /** Ceiling of the retry backoff in ms. Default 8 000. */
  maxRetryDelayMs?: number | undefined;
  /** Longest `Retry-After` honoured, in ms; longer asks are capped. Default 60 000. */
  maxRetryAfterMs?: number | undefined;
  /** A `fetch` implementation (a proxy agent, a test double). Default: `globalThis.fetch`. */
  fetch?: typeof fetch | undefined;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | undefined;
  /** Where log lines go. Default: `console`. */
  logger?: Logger | undefined;
  /** `debug` logs every attempt (method, path, status, attempt, duration); `info` logs retries.
   * Default: `PORTER_SANDBOX_LOG`, else `warn` (nothing logged in normal operation). */
  logLevel?: LogLevel | undefined;
  /**
   * Tag each sandbox create with its idempotency key (`porter-sandbox-idempotency-key`), so that after an
   * attempt whose answer was lost the SDK can find the sandbox it made instead of making a second one.
   * Porter's API does not deduplicate creates by `Idempotency-Key`, so this tag is what makes a retried
   * create safe. It takes one of a sandbox's tags. With `false`, a create whose outcome is unknown is sent
   * again only when it has a name (the name then refuses a second sandbox), and an unnamed one fails with an
   * error that says the sandbox may exist. Default `true`.
   */
  idempotencyTag?: boolean | undefined;
}

export interface ResolvedConfig {
  baseUrl: string;
  apiKey: string | undefined;
  fetch: typeof fetch;
  /** Whether `fetch` is the runtime's own (no `fetch` option was given), whose limits the SDK may lift. */
  runtimeFetch: boolean;
  headers: Record<string, string>;
  timeoutMs: number;
  totalTimeoutMs: number | undefined;
  maxRetries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  maxRetryAfterMs: number;
  idempotencyTag: boolean;
  logger: Logger;
  logLevel: LogLevel;
}

const LEVELS: readonly LogLevel[] = ["off", "error", "warn", "info", "debug"];

// Timers hold a signed 32-bit delay; a longer one fires at once in Node and browsers alike.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A positive number of milliseconds a timer can wait, or `Infinity` for no timer at all. */
function isDuration(value: unknown): boolean {
  const positive = typeof value === "number" && value > 0;
  return positive && (value <= MAX_TIMER_MS || value === Infinity);
}

// The rules of options, each an issue under the option's name; a checker lists every broken one at once.
type Issues = ValidationIssue[];

/** A duration option (when given): a positive number of milliseconds, or `Infinity` for none. */
function checkDuration(issues: Issues, name: string, value: unknown): void {
  if (value !== undefined && !isDuration(value)) {
    issues.push({
      path: name,
      message: `must be a positive number of milliseconds, at most ${MAX_TIMER_MS} (about 24.8 days), or Infinity for none`,
    });
  }
}

/** `maxRetries` (when given): a whole number, 0 or more. */
function checkRetries(issues: Issues, value: unknown): void {
  const retryCount = Number.isSafeInteger(value) && (value as number) >= 0;
  if (value !== undefined && !retryCount)
    issues.push({ path: "maxRetries", message: "must be a whole number, 0 or more" });
}

/** Headers (when given): names and values `fetch` can send. Refused here, since `fetch` would fail the
 * call as if the network had. */
function checkHeaders(issues: Issues, name: string, headers: Record<string, string> | undefined): void {
  for (const [key, value] of Object.entries(headers ?? {})) {
    try {
      new Headers([[key, value]]);
    } catch {
      issues.push({ path: `${name}[${JSON.stringify(key)}]`, message: "must be a valid HTTP header name and value" });
    }
  }
}

function throwIfAny(what: string, issues: Issues): void {
  if (issues.length) throw new ValidationError(what, issues);
}

/** Checks a duration option of a wait (when given): a positive number of milliseconds, or `Infinity`. */
export function checkMs(name: string, value: number | undefined): void {
  const issues: Issues = [];
  checkDuration(issues, name, value);
  throwIfAny("wait options", issues);
}

/** Checks the per-call options of a request; throws `ValidationError` listing every one that breaks a rule. */
export function checkRequestOptions(options: RequestOptions): void {
  const issues: Issues = [];
  checkDuration(issues, "timeoutMs", options.timeoutMs);
  checkDuration(issues, "totalTimeoutMs", options.totalTimeoutMs);
  checkRetries(issues, options.maxRetries);
  checkHeaders(issues, "headers", options.headers);
  // Anything else would fail deep in the call with a bare TypeError.
  const { signal } = options;
  if (signal !== undefined && typeof signal?.addEventListener !== "function")
    issues.push({ path: "signal", message: "must be an AbortSignal" });
  throwIfAny("request options", issues);
}

// The client options that are durations in milliseconds.
const DURATION_OPTIONS = ["timeoutMs", "totalTimeoutMs", "retryDelayMs", "maxRetryDelayMs", "maxRetryAfterMs"] as const;

/** Checks the client options that are not about where the API is; throws `ValidationError` listing every
 * one that breaks a rule. */
function checkClientOptions(options: ClientOptions): void {
  const issues: Issues = [];
  for (const name of DURATION_OPTIONS) checkDuration(issues, name, options[name]);
  checkRetries(issues, options.maxRetries);
  const { idempotencyTag, logLevel, fetch } = options;
  if (idempotencyTag !== undefined && typeof idempotencyTag !== "boolean")
    issues.push({ path: "idempotencyTag", message: "must be true or false" });
  if (logLevel !== undefined && !LEVELS.includes(logLevel))
    issues.push({ path: "logLevel", message: `must be one of ${LEVELS.join(", ")}` });
  if (fetch !== undefined && typeof fetch !== "function") issues.push({ path: "fetch", message: "must be a function" });
  checkHeaders(issues, "defaultHeaders", options.defaultHeaders);
  throwIfAny("client options", issues);
}

export function resolveConfig(options: ClientOptions): ResolvedConfig {
  checkClientOptions(options);
  const logLevel = options.logLevel ?? (readEnv("PORTER_SANDBOX_LOG") as LogLevel | undefined) ?? DEFAULTS.logLevel;
  if (!LEVELS.includes(logLevel))
    throw new ConfigurationError(`PORTER_SANDBOX_LOG must be one of ${LEVELS.join(", ")}`);
  if (typeof (options.fetch ?? globalThis.fetch) !== "function")
    throw new ConfigurationError("no global fetch in this runtime: pass one as the fetch option");
  // Every field written out, so that the type checker proves the resolved config complete.
  return {
    ...resolveLocation(options),
    // Bound lazily: calling a detached `fetch` throws "Illegal invocation" in browsers.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    runtimeFetch: options.fetch === undefined,
    headers: { ...options.defaultHeaders },
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    totalTimeoutMs: options.totalTimeoutMs,
    maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
    retryDelayMs: options.retryDelayMs ?? DEFAULTS.retryDelayMs,
    maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs,
    maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
    idempotencyTag: options.idempotencyTag ?? DEFAULTS.idempotencyTag,
    logger: options.logger ?? console,
    logLevel,
  };
}

/**
 * Per-call options, the last argument of every method that sends a request. Each overrides the client's
 * option of the same name for this call only.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const sandbox = await porter.sandboxes.create(
 *   { image: "python:3.12-slim", name: "nightly-eval" },
 *   { idempotencyKey: "nightly-eval-2025-01-01", timeoutMs: 10_000, maxRetries: 5, signal: controller.signal },
 * );
 * const result = await sandbox.exec(["python", "eval.py"], { timeoutMs: 15 * 60_000 });
 * ```
 */
export interface RequestOptions {
  /** Abort the call: the request in flight is aborted and `RequestAbortedError` is thrown at once. */
  signal?: AbortSignal | undefined;
  /** Per-attempt timeout in ms (`Infinity` for none). Default: the client's (30 s); exec: none. */
  timeoutMs?: number | undefined;
  /** Budget for the whole call, every attempt and backoff wait included. Default: none. */
  totalTimeoutMs?: number | undefined;
  /** Retries after the first attempt. Default: the client's (2). */
  maxRetries?: number | undefined;
  /** Idempotency key for creates; generated when absent. The same key is sent on every retry. */
  idempotencyKey?: string | undefined;
  /** Extra headers for this call. */
  headers?: Record<string, string> | undefined;
}
