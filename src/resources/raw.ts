// The typed low-level client. `porter.raw` speaks openapi-fetch's convention (`raw.GET(path, init)` →
// `{ data, error, response }`, typed from the spec's `paths`) but each call is the spec operation of
// that method and path, sent by `invoke` as the ergonomic methods' are: checked against the spec's
// rules before sending, with the same retries, idempotency keys, timeouts, cancellation and redirect
// handling, and without openapi-fetch's runtime in every bundle. `createRawClient` is openapi-fetch
// itself, for callers who want its middleware or to send what the spec does not describe.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../generated/schema.js";
import { operations as rules } from "../../generated/request-rules.js";
import { invoke, type Behaviour, type OperationId } from "../internal/operation.js";
import type { Transport } from "../internal/transport.js";
import { ValidationError, type ValidationIssue } from "../core/errors.js";
import { parseJson } from "../internal/body.js";

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
// The methods the spec uses; a spec with a PATCH operation would add "PATCH" here (the runtime follows the spec).
export type RawClient = Pick<Client<paths>, "GET" | "PUT" | "POST" | "DELETE">;

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

// Each operation of the spec by "METHOD /route", as a raw call names it.
const OPERATIONS = new Map(
  Object.entries(rules).map(([id, rule]) => [`${rule.method} ${rule.route}`, id as OperationId]),
);
type HeaderValue = string | number | boolean | readonly (string | number | boolean)[] | null | undefined;
interface RawInit {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, unknown> };
  body?: unknown;
  headers?: HeadersInit | Record<string, HeaderValue>;
  signal?: AbortSignal;
  parseAs?: "json" | "text" | "blob" | "arrayBuffer" | "stream";
  bodySerializer?: (body: unknown) => BodyInit;
}

/** `porter.raw`: openapi-fetch's calling convention over the spec's operations and the SDK's transport. */
export function transportClient(transport: Transport): RawClient {
  const client: Record<string, unknown> = {};
  for (const method of new Set(Object.values(rules).map((rule) => rule.method)))
    client[method] = (route: string, init?: RawInit) => rawCall(transport, method, route, init ?? {});
  return client as RawClient;
}

async function rawCall(transport: Transport, method: string, route: string, init: RawInit) {
  const what = `porter.raw.${method}("${route}")`;
  const id = OPERATIONS.get(`${method} ${route}`);
  // Refused as any bad input is, with a ValidationError: one `instanceof SandboxError` covers every
  // error a call throws, and these, like the spec's rules, are refused before anything is sent.
  if (!id) throw new ValidationError(what, [{ path: "", message: "the spec has no such operation" }]);
  const { params = {}, body, bodySerializer, headers: given = {}, signal, parseAs = "json", ...unsupported } = init;
  const refused = refusedOptions(unsupported, parseAs);
  if (refused.length) throw new ValidationError(what, refused);
  const headers = mergedHeaders(given, params.header);
  const outcome = await invoke(
    transport,
    id,
    { path: params.path, query: params.query, header: params.header, body } as never,
    { signal, headers },
    { read: "response", passErrors: true, label: what, ...serialised(body, bodySerializer) },
  );
  return parse(outcome.data as Response, parseAs);
}

const PARSE_AS: readonly string[] = ["json", "text", "blob", "arrayBuffer", "stream"];

/** The options of a call this client cannot honour: any of openapi-fetch's besides those `RawInit`
 * declares (refused, never dropped), and a `parseAs` that names no way to read a body. */
function refusedOptions(unsupported: object, parseAs: string): ValidationIssue[] {
  const refused = Object.keys(unsupported).map((option) => ({
    path: option,
    message: "is not supported; createRawClient() takes every openapi-fetch option",
  }));
  if (!PARSE_AS.includes(parseAs))
    refused.push({ path: "parseAs", message: `must be one of ${PARSE_AS.map((p) => JSON.stringify(p)).join(", ")}` });
  return refused;
}

/** Every header of a call, lowercased, those without a value (undefined, null) left out. As in
 * openapi-fetch, `params.header` (the ones the spec declares, which `invoke` checks) wins over `headers`. */
function mergedHeaders(given: NonNullable<RawInit["headers"]>, declared: Record<string, unknown> = {}) {
  // A Headers object and an array of pairs iterate as pairs; a plain object is read by its entries.
  const iteratesAsPairs = given instanceof Headers || Array.isArray(given);
  const extra = iteratesAsPairs ? [...given] : Object.entries(given);
  const headers: Record<string, string> = {};
  for (const [name, value] of [...extra, ...Object.entries(declared)] as [string, HeaderValue][]) {
    const present = value !== undefined && value !== null;
    if (present) headers[name.toLowerCase()] = String(value);
  }
  return headers;
}

// A body the caller's bodySerializer made is sent as it made it; as in openapi-fetch, it is still labelled
// JSON unless the headers say otherwise. Without a serialiser (or a body), `invoke` sends the body as JSON.
function serialised(body: unknown, serializer: RawInit["bodySerializer"]): Behaviour {
  if (!serializer || body === undefined) return {};
  return { rawBody: serializer(body), contentType: "application/json" };
}

// openapi-fetch's reading of an answer: no content is `undefined`; a 2xx body is read as `parseAs`
// says; an error body is JSON when it parses, else text.
async function parse(response: Response, parseAs: NonNullable<RawInit["parseAs"]>) {
  const noContent = response.status === 204 || response.headers.get("content-length") === "0";
  if (noContent) {
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
  // An empty body reaches here as none (a chunked or HTTP/2 answer without Content-Length): still a stream.
  if (parseAs === "stream") return { data: response.body ?? new Blob().stream(), response };
  if (parseAs !== "json") return { data: await response[parseAs](), response };
  const text = await response.text();
  // A body that is not JSON fails as the SDK's own methods fail on one, rather than with a bare SyntaxError.
  const requestId = response.headers.get("x-request-id") ?? undefined;
  return { data: text ? parseJson(response.status, text, requestId) : undefined, response };
}
