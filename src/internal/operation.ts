// Calls one operation of the spec by its operationId: checks path, query, header and body against the
// spec's rules, encodes path parameters, serialises the query, and hands the call to the transport.
// The ergonomic layer calls the API through this function only.
import type { operations } from "../../generated/schema.js";
import { operations as rules } from "../../generated/request-rules.js";
import type { RetryMode } from "./retry.js";
import type { Call } from "./call.js";
import type { Transport } from "./transport.js";
import type { RequestOptions } from "../core/options.js";
import type { Outcome } from "../core/response-info.js";
import { validate, type Schema } from "./validate.js";

export type OperationId = keyof operations & keyof typeof rules;
type Parameters<K extends OperationId> = operations[K]["parameters"];
type Part<K extends OperationId, In extends "path" | "query" | "header"> =
  Parameters<K> extends { [P in In]?: infer T } ? ([T] extends [never | undefined] ? never : T) : never;
type JsonBody<K extends OperationId> = operations[K] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;
type Responses<K extends OperationId> = operations[K]["responses"];
type JsonOf<R> = R extends { content: { "application/json": infer J } } ? J : undefined;
// The statuses whose body is the call's result. Porter's API may answer any 2xx (202 for a create);
// a 307 is followed by the transport and never reaches the caller.
type Success = 200 | 201 | 202 | 204 | 206;
/** The JSON body of an operation's success response (`undefined` for 204). */
export type Data<K extends OperationId> = {
  [S in keyof Responses<K>]: S extends Success ? JsonOf<Responses<K>[S]> : never;
}[keyof Responses<K>];

interface Rule {
  method: string;
  route: string;
  path?: Schema;
  query?: Schema;
  header?: Schema;
  body?: Schema;
}

export interface Input<K extends OperationId> {
  path?: Part<K, "path">;
  query?: Part<K, "query">;
  header?: Part<K, "header">;
  body?: JsonBody<K>;
}

/** How this operation may be retried, read and timed; see src/internal/retry.ts for the modes. */
export type Behaviour = Partial<Pick<Call, "read" | "timeoutMs" | "passErrors" | "attemptsBefore">> & {
  /** How to read a 2xx body. Default: JSON. */
  read?: Call["read"];
  retry?: RetryMode;
  /** A non-JSON request body (file content, or what porter.raw's bodySerializer made), sent as is with `contentType`. */
  rawBody?: BodyInit;
  contentType?: string;
  /** What the input is called in validation errors. Default: the operationId. */
  label?: string;
};

/**
 * Fills the `{name}` segments of `route` from `params` (present: `invoke` has checked them against the
 * spec). RFC 3986 unreserved characters pass; everything else, `/` and `%` included, is percent-encoded,
 * so no id can reach another endpoint. Dots alone ("." or "..") are refused by the spec's id pattern,
 * because URL parsers treat even "%2E%2E" as a parent segment.
 */
function fillRoute(route: string, params: Record<string, unknown> = {}): string {
  return route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
}

/**
 * For methods that make several requests (a lookup, then the call, then a poll): the caller's
 * `totalTimeoutMs` bounds the whole method, so each request gets what is left of it.
 */
export function deadlineFor(options: RequestOptions | undefined): () => RequestOptions | undefined {
  const total = options?.totalTimeoutMs;
  if (total === undefined || total === Infinity) return () => options;
  const deadline = Date.now() + total;
  return () => ({ ...options, totalTimeoutMs: Math.max(1, deadline - Date.now()) });
}

function buildQuery(query: Record<string, unknown> | undefined): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) out.append(key, String(item));
  }
  const text = out.toString();
  return text ? `?${text}` : "";
}

/** Checks a JSON body against the operation's rules, as `invoke` does before sending. */
export function validateBody<K extends OperationId>(id: K, body: JsonBody<K>, label: string): void {
  const rule: Rule = rules[id];
  if (rule.body) validate(label, rule.body, body);
}

/** Checks request headers against the operation's rules, as `invoke` does before sending. */
export function validateHeaders(id: OperationId, headers: Record<string, string>, label: string): void {
  const rule: Rule = rules[id];
  if (rule.header) validate(label, rule.header, headers);
}

export function invoke<K extends OperationId>(
  transport: Transport,
  id: K,
  input: Input<K>,
  options: RequestOptions | undefined,
  behaviour: Behaviour = {},
): Promise<Outcome<Data<K>>> {
  const rule: Rule = rules[id];
  // The operations the API deduplicates are the ones whose spec declares an Idempotency-Key (the
  // creates): they get a key, made once or the caller's, and may be retried after they may have run.
  const idempotent = rule.header?.properties !== undefined && "Idempotency-Key" in rule.header.properties;
  const key = idempotent ? options?.idempotencyKey : undefined;
  checkInput(rule, behaviour.label ?? id, input, key);
  return transport.send<Data<K>>(toCall(rule, input, behaviour, idempotent), options);
}

/** An operation's input, whichever operation it is. */
interface AnyInput {
  path?: unknown;
  query?: unknown;
  header?: unknown;
  body?: unknown;
}

/** Checks each part of the input against the operation's rules; the caller's idempotency key is checked
 * as the header it will be sent as. */
function checkInput(rule: Rule, label: string, input: AnyInput, key: string | undefined): void {
  if (rule.path) validate(label, rule.path, input.path ?? {});
  if (rule.query) validate(label, rule.query, input.query ?? {});
  if (rule.header) {
    const header =
      key === undefined ? input.header : { ...(input.header as object | undefined), "Idempotency-Key": key };
    validate(label, rule.header, header ?? {});
  }
  if (rule.body) validate(label, rule.body, input.body);
}

/** What the transport sends: the filled route and query, the body as JSON or as given, and how the
 * call may be retried and read. */
function toCall(rule: Rule, input: AnyInput, behaviour: Behaviour, idempotent: boolean): Call {
  // The behaviour's raw body (file content, or what porter.raw's bodySerializer made) with its content
  // type, or else the input's body as JSON.
  const { rawBody } = behaviour;
  const json = rawBody === undefined && input.body !== undefined;
  const contentType = json ? "application/json" : behaviour.contentType;
  const headers: Record<string, string> = { ...(input.header as Record<string, string> | undefined) };
  if (contentType) headers["content-type"] = contentType;
  const route = fillRoute(rule.route, input.path as Record<string, unknown> | undefined);
  const query = buildQuery(input.query as Record<string, unknown> | undefined);
  return {
    method: rule.method,
    path: route + query,
    headers,
    body: json ? JSON.stringify(input.body) : (rawBody ?? null),
    read: behaviour.read ?? "json",
    retry: behaviour.retry ?? defaultRetry(rule.method),
    idempotent,
    timeoutMs: behaviour.timeoutMs,
    passErrors: behaviour.passErrors,
    attemptsBefore: behaviour.attemptsBefore,
  };
}

// Sent twice, a POST may do its work twice (an exec, a move, a snapshot, and a create too: Porter's API
// does not deduplicate by Idempotency-Key, so the key cannot make a retry safe). Every other method is
// idempotent by HTTP's definition (RFC 9110 §9.2.2). The creates of the SDK's own methods choose their
// retries themselves (a sandbox create finds what a lost attempt made by its tag before sending again).
function defaultRetry(method: string): RetryMode {
  return method === "POST" ? "unstarted" : "idempotent";
}
