// One class per situation a caller branches on. Every error carries a stable `code`: from the API's
// body when it sends one, derived from the HTTP status when it does not (Porter's API sends none today).

/** Codes from the API (see `ErrorCode` in the spec) plus those the SDK raises itself. */
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
  | "sandbox_not_running"
  | "volume_failed";

export interface SandboxErrorInit {
  statusCode?: number;
  code?: SandboxErrorCode;
  body?: unknown;
  requestId?: string;
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
export class SandboxError extends Error {
  /** HTTP status of the response, when there was one. */
  readonly statusCode: number | undefined;
  /** Stable machine-readable code; branch on this, not on `message`. */
  readonly code: SandboxErrorCode;
  /** The parsed response body (JSON), or a short excerpt of a non-JSON body. */
  readonly body: unknown;
  /** The `X-Request-Id` the API answered with; quote it in support requests. */
  readonly requestId: string | undefined;
  /** HTTP attempts made before this error was raised (set by the transport; 0 when none was sent). */
  attempts = 0;

  constructor(message: string, init: SandboxErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.statusCode = init.statusCode;
    this.code = init.code ?? "unexpected_status";
    this.body = init.body;
    this.requestId = init.requestId;
  }
}

/** 400 (and 413, 416, 422): the API rejected the request as invalid. */
export class BadRequestError extends SandboxError {}
/** 401: missing or invalid API key. */
export class AuthenticationError extends SandboxError {}
/** 403: the key is valid but not allowed to do this. */
export class PermissionDeniedError extends SandboxError {}
/** 404: no such sandbox, volume, snapshot, file or name. */
export class NotFoundError extends SandboxError {}
/** 409: a name is taken, an idempotency key was reused with another body, or the state forbids it. */
export class ConflictError extends SandboxError {}
/** 429: slow down; `retryAfterMs` says for how long when the API said so. */
export class RateLimitError extends SandboxError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, init: SandboxErrorInit & { retryAfterMs?: number }) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }
}
/** 5xx: the API failed. */
export class ServerError extends SandboxError {}
/** A request (or a wait) exceeded its `timeoutMs` or `totalTimeoutMs`; the request was aborted. */
export class SandboxTimeoutError extends SandboxError {}
/** The network failed: refused, reset, DNS, TLS. No HTTP response was received. */
export class ConnectionError extends SandboxError {}
/** The caller's `AbortSignal` fired. */
export class RequestAbortedError extends SandboxError {}
/** The client was closed: requests in flight were aborted and new ones are refused. */
export class ClientClosedError extends RequestAbortedError {}

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
  readonly issues: readonly ValidationIssue[];
  constructor(what: string, issues: ValidationIssue[]) {
    const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    super(`invalid ${what}: ${list}`, { code: "validation_error" });
    this.issues = issues;
  }
}

const CODE_BY_STATUS: Record<number, SandboxErrorCode> = {
  400: "invalid_request",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "invalid_request",
  416: "invalid_request",
  422: "invalid_request",
  429: "rate_limited",
};

const CLASS_BY_STATUS: Record<number, typeof SandboxError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
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
  const fromBody = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : undefined;
  const code =
    (typeof fromBody?.code === "string" ? (fromBody.code as SandboxErrorCode) : undefined) ??
    CODE_BY_STATUS[status] ??
    (status >= 500 ? "internal_error" : "unexpected_status");
  const detail =
    typeof fromBody?.error === "string"
      ? fromBody.error
      : typeof body === "string" && body
        ? `unexpected non-JSON response: ${JSON.stringify(body)}`
        : "no error message in the response";
  const message = `${status} ${code}: ${detail}${requestId ? ` (request ${requestId})` : ""}`;
  const Class = CLASS_BY_STATUS[status] ?? (status >= 500 ? ServerError : SandboxError);
  return new Class(message, { statusCode: status, code, body, requestId, retryAfterMs } as SandboxErrorInit);
}
