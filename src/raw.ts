// The typed low-level client: openapi-fetch over the generated `paths`. `porter.raw` is this client
// with the SDK's transport as its `fetch`, so raw calls get the same retries, idempotency keys,
// timeouts, cancellation and redirect handling as the ergonomic surface.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { operations as rules } from "../generated/request-rules.js";
import type { RetryMode } from "./retry.js";
import type { Transport } from "./transport.js";

/**
 * The typed low-level client (openapi-fetch over the spec's `paths`): one method per HTTP verb, with
 * paths, parameters, bodies and answers typed from the spec. Answers `{ data, error, response }`
 * instead of throwing on 4xx and 5xx. `porter.raw` is one that sends through the SDK's transport.
 *
 * @example
 * ```ts
 * const raw: RawClient = porter.raw;
 * const { data, error, response } = await raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: "snap_01jc8m" } } });
 * if (error) console.error(response.status, error.code, error.error);
 * ```
 */
export type RawClient = Client<paths>;

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
 * Creates a typed client for every endpoint of the spec (openapi-fetch over the generated `paths`).
 *
 * @example
 * ```ts
 * const raw = createRawClient({ baseUrl: "http://127.0.0.1:8080" });
 * const { data, error } = await raw.GET("/v1/sandbox/{id}", { params: { path: { id: "sbx_1" } } });
 * ```
 */
export function createRawClient(options: RawClientOptions): RawClient {
  return createClient<paths>(options);
}

// Routes whose operations take an Idempotency-Key, as regexes over the path.
const IDEMPOTENT_CREATES = Object.values(rules)
  .filter((r) => (r as { header?: { properties?: object } }).header?.properties && "Idempotency-Key" in (r as { header: { properties: object } }).header.properties)
  .map((r) => ({ method: r.method, route: new RegExp(`^${r.route.replace(/\{\w+\}/g, "[^/]+")}$`) }));

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/** Adapts the transport to the `fetch(request)` openapi-fetch calls. Non-2xx responses are returned
 * (openapi-fetch reports them as `error`); network failures and timeouts throw typed errors. */
export function transportFetch(transport: Transport, baseUrl: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = request.url;
    const path = url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url;
    const pathname = path.split("?")[0] ?? "";
    const headers = Object.fromEntries(request.headers);
    const given = headers["idempotency-key"];
    delete headers["idempotency-key"];
    const create = IDEMPOTENT_CREATES.some((c) => c.method === request.method && c.route.test(pathname));
    const retry: RetryMode = IDEMPOTENT_METHODS.has(request.method) || create || given ? "idempotent" : "unstarted";
    const body = request.body ? await request.arrayBuffer() : null;
    const outcome = await transport.send<Response>(
      { method: request.method, path, headers, body, retry, read: "response", passErrors: true, idempotent: create || given !== undefined },
      { signal: request.signal, idempotencyKey: given },
    );
    return outcome.data;
  };
}
