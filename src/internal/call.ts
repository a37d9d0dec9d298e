// A call as the transport takes it (method, path, body, how to retry and read it), and the headers
// its attempts carry.
import type { RequestOptions, ResolvedConfig } from "../core/options.js";
import type { ReadAs } from "./body.js";
import type { RetryMode } from "./retry.js";
import { VERSION } from "../version.js";

/**
 * A request body as fetch takes it. Named through `RequestInit`, which both the DOM lib and @types/node
 * declare, because this type reaches the published .d.ts: `BodyInit` is DOM-only, and a Node project
 * whose `lib` has no DOM could not compile our types with it.
 */
export type CallBody = NonNullable<RequestInit["body"]> | null;

/** What an operation asks the transport to send: one logical call. */
export interface Call {
  method: string;
  /** Path and query, appended to the base URL as text (never URL-resolved: the base may have a path). */
  path: string;
  headers?: Record<string, string>;
  body: CallBody;
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

/**
 * The headers of every attempt, and the call's idempotency key. Header names are case-insensitive
 * (RFC 9110 §5.1): they are merged lowercased, so no spelling of a name can add a second value or slip
 * past the checks here. The key is made once, before the first attempt, and sent unchanged on every retry.
 */
export function requestHeaders(
  call: Call,
  options: RequestOptions,
  config: ResolvedConfig,
): { headers: Record<string, string>; idempotencyKey: string | undefined } {
  const headers: Record<string, string> = {
    accept: ACCEPT[call.read] ?? "application/json",
    "user-agent": `porter-sandbox-typescript/${VERSION}`,
  };
  for (const source of [config.headers, call.headers, options.headers]) {
    for (const [name, value] of Object.entries(source ?? {})) headers[name.toLowerCase()] = value;
  }
  const idempotencyKey = call.idempotent
    ? (options.idempotencyKey ?? headers["idempotency-key"] ?? newIdempotencyKey())
    : undefined;
  if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
  if (config.apiKey !== undefined) headers.authorization = `Bearer ${config.apiKey}`;
  return { headers, idempotencyKey };
}
