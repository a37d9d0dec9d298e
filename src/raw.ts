// The typed low-level client. `porter.raw` speaks openapi-fetch's convention (`raw.GET(path, init)` →
// `{ data, error, response }`, typed from the spec's `paths`) but sends through the SDK's own transport,
// so raw calls get the same retries, idempotency keys, timeouts, cancellation and redirect handling as
// the ergonomic surface, without openapi-fetch's runtime in every bundle. `createRawClient` is
// openapi-fetch itself, for callers who want its middleware.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { operations as rules } from "../generated/request-rules.js";
import { ValidationError } from "./errors.js";
import { buildQuery, fillRoute } from "./operation.js";
import type { RetryMode } from "./retry.js";
import type { Transport } from "./transport.js";

const VERBS = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"] as const;

/**
 * The typed low-level client: one method per HTTP verb, with paths, parameters, bodies and answers
 * typed from the spec. Answers `{ data, error, response }` instead of throwing on 4xx and 5xx; network
 * failures, timeouts and aborts throw the SDK's typed errors.
 *
 * @example
 * ```ts
 * const raw: RawClient = porter.raw;
 * const { data, error, response } = await raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: "snap_01jc8m" } } });
 * if (error) console.error(response.status, error.code, error.error);
 * ```
 */
export type RawClient = Pick<Client<paths>, "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE">;

/**
 * Options of `createRawClient`. A client made this way sends with plain `fetch`: no retries, timeouts
 * or idempotency keys (use `porter.raw` for those).
 *
 * @example
 * ```ts
 * const options: RawClientOptions = {
 *   baseUrl: "http://127.0.0.1:8080",
 *   headers: { authorization: `Bearer ${process.env.PORTER_SANDBOX_API_KEY}` },
 * };
 * const raw = createRawClient(options);
 * ```
 */
export interface RawClientOptions {
  /** Base URL every path is appended to. */
  baseUrl: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** The `fetch` to send requests with. Default: `globalThis.fetch`. */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * Creates an [openapi-fetch](https://openapi-ts.dev/openapi-fetch/) client for every endpoint of the
 * spec, middleware (`use`) included. It sends with `fetch` alone: no retries, timeouts or idempotency keys.
 *
 * @example
 * ```ts
 * const raw = createRawClient({ baseUrl: "http://127.0.0.1:8080" });
 * const { data, error } = await raw.GET("/v1/sandbox/{id}", { params: { path: { id: "sbx_1" } } });
 * ```
 */
export function createRawClient(options: RawClientOptions): Client<paths> {
  return createClient<paths>(options);
}

// The operations that take an Idempotency-Key, as regexes over "METHOD /path".
const IDEMPOTENT_CREATES = Object.values(rules)
  .filter((r) => "header" in r && "Idempotency-Key" in r.header.properties)
  .map((r) => new RegExp(`^${r.method} ${r.route.replace(/\{\w+\}/g, "[^/]+")}$`));
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
// openapi-fetch's per-call options that this client honours; any other is refused, never dropped.
const OPTIONS = new Set(["params", "body", "headers", "signal", "parseAs", "bodySerializer", "baseUrl"]);

type HeaderValue = string | number | boolean | readonly (string | number | boolean)[] | null | undefined;
interface RawInit {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, HeaderValue> };
  body?: unknown;
  headers?: HeadersInit | Record<string, HeaderValue>;
  signal?: AbortSignal;
  parseAs?: "json" | "text" | "blob" | "arrayBuffer" | "stream";
  bodySerializer?: (body: unknown, headers: Record<string, string>) => BodyInit;
  baseUrl?: string;
}

/** `porter.raw`: openapi-fetch's calling convention over the SDK's transport. */
export function transportClient(transport: Transport): RawClient {
  const client: Record<string, unknown> = {};
  for (const method of VERBS) client[method] = (route: string, init?: RawInit) => rawCall(transport, method, route, init ?? {});
  return client as RawClient;
}

async function rawCall(transport: Transport, method: string, route: string, init: RawInit) {
  const what = `porter.raw.${method}("${route}")`;
  for (const key of Object.keys(init)) {
    if (!OPTIONS.has(key)) throw new TypeError(`${what}: option ${key} is not supported by porter.raw; createRawClient() takes every openapi-fetch option`);
  }
  const params = init.params ?? {};
  const missing: string[] = [];
  const pathname = fillRoute(route, params.path, missing);
  if (missing.length) throw new ValidationError(what, missing.map((name) => ({ path: `params.path.${name}`, message: "is required" })));
  const path = pathname + buildQuery(params.query);
  // Later sources win, as in openapi-fetch: the JSON default, then `headers`, then `params.header`.
  const headers: Record<string, string> = {};
  const given = init.headers instanceof Headers || Array.isArray(init.headers) ? init.headers : Object.entries(init.headers ?? {});
  for (const [name, value] of [...given, ...Object.entries(params.header ?? {})] as [string, HeaderValue][]) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  let body: BodyInit | null = null;
  if (init.body !== undefined) {
    body = init.bodySerializer ? init.bodySerializer(init.body, headers) : JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  // A caller's key stays in the headers: the transport sends it, on every attempt, instead of making one.
  const key = headers["idempotency-key"];
  const create = IDEMPOTENT_CREATES.some((create) => create.test(`${method} ${pathname}`));
  const retry: RetryMode = IDEMPOTENT_METHODS.has(method) || create || key ? "idempotent" : "unstarted";
  const base = init.baseUrl?.replace(/\/+$/, "") ?? "";
  const outcome = await transport.send<Response>(
    { method, path: base + path, headers, body, retry, read: "response", passErrors: true, idempotent: create || key !== undefined },
    { signal: init.signal },
  );
  return parse(outcome.data, method, init.parseAs ?? "json");
}

// openapi-fetch's reading of an answer: no content is `undefined`; a 2xx body is read as `parseAs`
// says; an error body is JSON when it parses, else text.
async function parse(response: Response, method: string, parseAs: NonNullable<RawInit["parseAs"]>) {
  const length = response.headers.get("content-length");
  if (response.status === 204 || method === "HEAD" || length === "0") {
    return response.ok ? { data: undefined, response } : { error: undefined, response };
  }
  if (!response.ok) {
    const text = await response.text();
    try {
      return { error: JSON.parse(text), response };
    } catch {
      return { error: text, response };
    }
  }
  if (parseAs === "stream") return { data: response.body, response };
  if (parseAs !== "json") return { data: await response[parseAs](), response };
  const text = await response.text();
  return { data: text ? JSON.parse(text) : undefined, response };
}
