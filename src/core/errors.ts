// One class per situation a caller branches on. Every error carries a stable `code`: from the API's
// body when it sends one, derived from the HTTP status when it does not (Porter's API sends none today).

/**
 * The `code` of a `SandboxError`: the API's codes (see `ErrorCode`) plus those the SDK raises itself
 * (`connection_error`, `timeout`, `aborted`, `client_closed`, `validation_error`, `configuration_error`,
 * ...). Stable: branch on it rather than on messages.
 *
 * @example
 * ```ts
 * const retryable: SandboxErrorCode[] = ["rate_limited", "internal_error", "connection_error", "timeout"];
 * if (error instanceof SandboxError && retryable.includes(error.code)) console.log("try again later");
 * ```
 */
export type SandboxErrorCode =
  | "invalid_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "quota_exceeded"
  | "rate_limited"
  | "sandbox_ttl_exceeded"
  | "idempotency_key_reused"
  | "internal_error"
  | "unexpected_status"
  | "connection_error"
  | "timeout"
  | "aborted"
  | "client_closed"
  | "validation_error"
  | "configuration_error"
  | "sandbox_not_running"
  | "volume_failed"
  | "snapshot_failed"
  | "object_volume"
  | "stream_redirected";

/**
 * What a `SandboxError` is built from besides its message. The SDK fills it from the response; tests and
 * wrappers can build errors the same way.
 *
 * @example
 * ```ts
 * const init: SandboxErrorInit = { statusCode: 404, code: "not_found", requestId: "req_8f2c" };
 * const error = new NotFoundError("404 not_found: sandbox not found", init);
 * ```
 */
export interface SandboxErrorInit {
  /** HTTP status of the response, when there was one. */
  statusCode?: number;
  /** The error's code. Default `unexpected_status`. */
  code?: SandboxErrorCode;
  /** The parsed response body, or an excerpt of a non-JSON one. */
  body?: unknown;
  /** The `X-Request-Id` the API answered with. */
  requestId?: string;
  /** The underlying error, kept as the standard `cause`. */
  cause?: unknown;
}

/**
 * Base of every error the SDK throws.
 *
 * @example
 * ```ts
 * try {
 *   await porter.sandboxes.get("nope");
 * } catch (error) {
 *   if (error instanceof SandboxError) console.log(error.code, error.statusCode, error.requestId);
 * }
 * ```
 */
// Fields are `declare`d and set in the constructor (in declaration order, so own keys keep their order):
// a class field declaration would be emitted as well, only to be overwritten.
export class SandboxError extends Error {
  /** HTTP status of the response, when there was one. */
  declare readonly statusCode: number | undefined;
  /** Stable machine-readable code; branch on this, not on `message`. */
  declare readonly code: SandboxErrorCode;
  /** The parsed response body (JSON), or a short excerpt of a non-JSON body. */
  declare readonly body: unknown;
  /** The `X-Request-Id` the API answered with; quote it in support requests. */
  declare readonly requestId: string | undefined;
  /** HTTP attempts made before this error was raised (set by the transport; 0 when none was sent). */
  declare attempts: number;
  /** Of those, attempts whose outcome is unknown: they timed out or lost the connection after the
   * request was sent, so the server may have carried them out. */
  declare uncertainAttempts: number;
  /** The idempotency key of the create that failed, to find what it may have made. */
  declare idempotencyKey: string | undefined;

  constructor(message: string, init: SandboxErrorInit = {}) {
    // Error reads `cause` only when the key is present (ES2022), so an init without one sets none.
    super(message, init);
    this.statusCode = init.statusCode;
    this.code = init.code ?? "unexpected_status";
    this.body = init.body;
    this.requestId = init.requestId;
    this.attempts = 0;
    this.uncertainAttempts = 0;
    this.idempotencyKey = undefined;
  }
}

/**
 * 400 (and 413, 416, 422): the API rejected the request as invalid. Code `invalid_request`, or
 * `sandbox_ttl_exceeded` when `ttl_seconds` is over the plan's limit. Not retried: fix the input.
 *
 * @example
 * ```ts
 * await porter.sandboxes.create({ image: "alpine:3.20", ttl_seconds: 604_800 }).catch((error) => {
 *   if (error instanceof BadRequestError && error.code === "sandbox_ttl_exceeded") console.log("ask for a shorter TTL");
 *   else throw error;
 * });
 * ```
 */
export class BadRequestError extends SandboxError {}
/**
 * 401: missing or invalid API key (code `unauthenticated`). Not retried.
 *
 * @example
 * ```ts
 * try {
 *   await porter.sandboxes.list();
 * } catch (error) {
 *   if (error instanceof AuthenticationError) console.error("the API key is missing or expired: check PORTER_SANDBOX_API_KEY");
 * }
 * ```
 */
export class AuthenticationError extends SandboxError {}
/**
 * 403: the key is valid but not allowed to do this (code `forbidden`), or a plan quota is used up (code
 * `quota_exceeded`; retrying does not help until usage drops).
 *
 * @example
 * ```ts
 * await porter.sandboxes.create({ image: "alpine:3.20" }).catch((error) => {
 *   if (error instanceof PermissionDeniedError && error.code === "quota_exceeded") console.warn("terminate some sandboxes first");
 *   else throw error;
 * });
 * ```
 */
export class PermissionDeniedError extends SandboxError {}
/**
 * 404: no such sandbox, volume, snapshot, file or name (code `not_found`).
 *
 * @example
 * ```ts
 * const config = await volume.readText("config.json").catch((error) => {
 *   if (error instanceof NotFoundError) return "{}";
 *   throw error;
 * });
 * ```
 */
export class NotFoundError extends SandboxError {}
/**
 * 409: a name is taken, an idempotency key was reused with another body (code `idempotency_key_reused`),
 * or the resource's state forbids the call.
 *
 * @example
 * ```ts
 * const sandbox = await porter.sandboxes.create({ image: "alpine:3.20", name: "nightly-eval" }).catch((error) => {
 *   if (error instanceof ConflictError) return porter.sandboxes.get("nightly-eval"); // the name is taken: use that one
 *   throw error;
 * });
 * ```
 */
export class ConflictError extends SandboxError {}
/**
 * 429: slow down (code `rate_limited`); `retryAfterMs` says for how long when the API said so. Raised once
 * the retries allowed for the call are used up.
 *
 * @example
 * ```ts
 * try {
 *   await porter.sandboxes.create({ image: "alpine:3.20" });
 * } catch (error) {
 *   if (error instanceof RateLimitError) await new Promise((r) => setTimeout(r, error.retryAfterMs ?? 1_000));
 * }
 * ```
 */
export class RateLimitError extends SandboxError {
  /** How long the API asked to wait (`Retry-After`), in ms; undefined when it did not say. */
  declare readonly retryAfterMs: number | undefined;
  constructor(message: string, init: SandboxErrorInit & { retryAfterMs?: number }) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }
}
/**
 * 5xx: the API failed (code `internal_error`, unless the body says otherwise). Calls that are safe to
 * repeat are retried first; this is raised once the retries are used up.
 *
 * @example
 * ```ts
 * try {
 *   await porter.sandboxes.get("nightly-eval");
 * } catch (error) {
 *   if (error instanceof ServerError) console.error(`API failed after ${error.attempts} attempts (request ${error.requestId})`);
 * }
 * ```
 */
export class ServerError extends SandboxError {}
/**
 * A request (or a wait) exceeded its `timeoutMs` or `totalTimeoutMs`; the request was aborted (code
 * `timeout`).
 *
 * @example
 * ```ts
 * try {
 *   await sandbox.exec(["python", "train.py"], { timeoutMs: 60_000 });
 * } catch (error) {
 *   if (error instanceof SandboxTimeoutError) console.warn("still running after a minute; gave up waiting");
 * }
 * ```
 */
export class SandboxTimeoutError extends SandboxError {}
/**
 * The network failed: refused, reset, DNS, TLS (code `connection_error`). No HTTP response was received;
 * `cause` holds the runtime's error.
 *
 * @example
 * ```ts
 * try {
 *   await new Porter({ baseUrl: "http://127.0.0.1:1" }).healthz.healthCheck();
 * } catch (error) {
 *   if (error instanceof ConnectionError) console.error("API unreachable:", error.cause);
 * }
 * ```
 */
export class ConnectionError extends SandboxError {}
/**
 * The caller's `AbortSignal` fired (code `aborted`); the request in flight was aborted.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(), 5_000);
 * await sandbox.waitUntilRunning({ signal: controller.signal }).catch((error) => {
 *   if (!(error instanceof RequestAbortedError)) throw error;
 * });
 * ```
 */
export class RequestAbortedError extends SandboxError {}
/**
 * The client was closed (code `client_closed`): requests in flight were aborted and new ones are refused.
 * A `RequestAbortedError`, so one `instanceof` check covers both ways of cancelling.
 *
 * @example
 * ```ts
 * const running = sandbox.exec(["sleep", "60"]);
 * porter.close();
 * await running.catch((error) => console.log(error instanceof ClientClosedError)); // true
 * ```
 */
export class ClientClosedError extends RequestAbortedError {}

/** The error for a call or wait that the caller's signal ended. */
export function abortedBy(what: string, signal: AbortSignal): RequestAbortedError {
  return new RequestAbortedError(`${what}: aborted by the caller's signal`, { code: "aborted", cause: signal.reason });
}

/**
 * One broken rule in the input of a call, as listed by `ValidationError.issues`.
 *
 * @example
 * ```ts
 * const issue: ValidationIssue = { path: 'tags["team"]', message: "must be at most 512 characters" };
 * console.log(`${issue.path}: ${issue.message}`);
 * ```
 */
export interface ValidationIssue {
  /** Where in the input, e.g. `name`, `tags["team"]`, `command[0]`. */
  path: string;
  /** The rule that failed, in words. */
  message: string;
}
/**
 * Input broke a rule of the spec; raised before any request is sent.
 *
 * @example
 * ```ts
 * await porter.sandboxes.create({ image: "alpine", name: "Not A Name" }).catch((error) => {
 *   if (error instanceof ValidationError) console.log(error.issues); // [{ path: "name", message: "must be a DNS label: …" }]
 * });
 * ```
 */
export class ValidationError extends SandboxError {
  /** Every rule the input broke, each with where (`path`) and what (`message`). */
  declare readonly issues: readonly ValidationIssue[];
  constructor(what: string, issues: ValidationIssue[]) {
    const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    super(`invalid ${what}: ${list}`, { code: "validation_error" });
    this.issues = issues;
  }
}

/**
 * The client cannot be set up from its settings (code `configuration_error`), raised by `new Porter()`: no
 * base URL can be chosen from the options and the environment, a setting the environment gives is unusable
 * (`PORTER_SANDBOX_BASE_URL`, `PORTER_SANDBOX_API_KEY`, `PORTER_SANDBOX_LOG`), the API key is not a Porter
 * API token where the URL must be derived from it, or the runtime has no `fetch`. The message names what to
 * set. An option passed in code that breaks a rule is a `ValidationError` instead.
 *
 * @example
 * ```ts
 * try {
 *   const porter = new Porter();
 * } catch (error) {
 *   if (error instanceof ConfigurationError) console.error("set PORTER_SANDBOX_BASE_URL, or PORTER_CLUSTER_ID and PORTER_SANDBOX_API_KEY");
 *   else throw error;
 * }
 * ```
 */
export class ConfigurationError extends SandboxError {
  constructor(message: string) {
    super(`porter-sandbox configuration: ${message}`, { code: "configuration_error" });
  }
}

/** The code a status stands for when a body carries none (see `ErrorCode` in the spec); the local server
 * answers with the same codes. */
export const CODE_BY_STATUS: Readonly<Record<number, SandboxErrorCode>> = {
  400: "invalid_request",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  // A precondition (If-Match) that no longer holds: the resource changed under the caller.
  412: "conflict",
  413: "invalid_request",
  416: "invalid_request",
  422: "invalid_request",
  429: "rate_limited",
};

/**
 * Sets each class's `name` on its prototype, spelled out: minifiers rename classes, so reading
 * `new.target.name` would show "e" for a `NotFoundError` in a user's production bundle.
 */
export function nameErrors(classes: Record<string, { prototype: Error }>): void {
  for (const name in classes) classes[name]!.prototype.name = name;
}

nameErrors({
  SandboxError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  ServerError,
  SandboxTimeoutError,
  ConnectionError,
  RequestAbortedError,
  ClientClosedError,
  ValidationError,
  ConfigurationError,
});

const CLASS_BY_STATUS: Record<number, typeof SandboxError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  412: ConflictError,
  413: BadRequestError,
  416: BadRequestError,
  422: BadRequestError,
  429: RateLimitError,
};

/** Builds the typed error for a non-2xx response whose body has been read already. */
export function errorFromResponse(
  status: number,
  body: unknown,
  requestId: string | undefined,
  retryAfterMs?: number,
): SandboxError {
  // Reading a property is safe on any value but null and undefined: a string or array body has no `code`.
  const fields = (body ?? {}) as Record<string, unknown>;
  const code = codeOf(status, fields);
  const request = requestId ? ` (request ${requestId})` : "";
  const message = `${status} ${code}: ${detailOf(body, fields)}${request}`;
  const Class = CLASS_BY_STATUS[status] ?? (status >= 500 ? ServerError : SandboxError);
  return new Class(message, { statusCode: status, code, body, requestId, retryAfterMs } as SandboxErrorInit);
}

/** The code of an error answer: the body's when it carries one, else the one its status stands for. */
function codeOf(status: number, fields: Record<string, unknown>): SandboxErrorCode {
  if (typeof fields.code === "string") return fields.code as SandboxErrorCode;
  const forStatus = CODE_BY_STATUS[status];
  if (forStatus !== undefined) return forStatus;
  return status >= 500 ? "internal_error" : "unexpected_status";
}

/** What went wrong, in the API's words when it gave some. */
function detailOf(body: unknown, fields: Record<string, unknown>): string {
  if (typeof fields.error === "string") return fields.error;
  const nonJson = typeof body === "string" && body !== "";
  if (nonJson) return `unexpected non-JSON response: ${JSON.stringify(body)}`;
  return "no error message in the response";
}
