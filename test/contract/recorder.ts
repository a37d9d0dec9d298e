// A recording `fetch` for `new Porter({ fetch })`: every request the SDK sends and every response it gets,
// as they were on the wire, each tied to the spec operation it is for. It collects contract violations
// that a test then asserts are absent:
// - Prism's own verdicts: an `sl-violations` header (request or, behind the proxy, response breaks the
//   spec), a 422 (a request Prism refused with no declared 4xx to answer with), or a Prism problem document
//   (`application/problem+json` from stoplight.io: no such path, undeclared status or example asked for).
// - What Prism lets through: a request for no operation in the spec, and a query parameter the operation
//   does not declare (Prism ignores unknown query parameters, so `tags=` for `tag=` would pass it).
// It also confines `Prefer` (Prism's response selector) to the operations a test names, so that one
// ergonomic call that makes several requests (a lookup, then a get) gets the chosen response only where
// the test wants it.
// It never lets a request leave loopback, nor follows a redirect on its own: the SDK follows redirects
// itself, through this fetch (each hop is recorded), and a Location from the spec's examples names a
// real host (see PRISM_CANNOT_SERVE_RESPONSE in drivers.ts).
import { matchOperation, type SpecOperation } from "./spec.js";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export interface Exchange {
  operationId: string | undefined;
  method: string;
  /** Path and query, as sent. */
  url: string;
  pathname: string;
  query: URLSearchParams;
  requestHeaders: Headers;
  /** The request body as text (file uploads included; the suite only sends small ones). */
  requestBody: string | undefined;
  /** The `Prefer` header the SDK sent, before the recorder confined it. */
  sentPrefer: string | null;
  status: number;
  responseHeaders: Headers;
  responseBody: string;
}

export class Recorder {
  readonly exchanges: Exchange[] = [];
  readonly violations: string[] = [];
  #prefer: Record<string, string> = {};
  /** Receives every exchange, for suites that keep their own tally (coverage). */
  onExchange: ((exchange: Exchange) => void) | undefined;

  constructor(readonly baseUrl: string) {}

  /** `Prefer` values by operationId for the requests that follow; other requests carry none. */
  prefer(byOperation: Record<string, string>): void {
    this.#prefer = { ...byOperation };
  }

  /** Forgets the exchanges, violations and preferences of the previous test. */
  reset(): void {
    this.exchanges.length = 0;
    this.violations.length = 0;
    this.#prefer = {};
  }

  /** The exchanges for one operation. */
  of(operationId: string): Exchange[] {
    return this.exchanges.filter((e) => e.operationId === operationId);
  }

  /** The only exchange for an operation; throws when there is not exactly one. */
  one(operationId: string): Exchange {
    const found = this.of(operationId);
    if (found.length !== 1) {
      throw new Error(`expected one ${operationId} request, saw ${found.length}: ${this.describe()}`);
    }
    return found[0]!;
  }

  describe(): string {
    return (
      this.exchanges
        .map((e) => `${e.method} ${e.url} -> ${e.status} (${e.operationId ?? "no operation"})`)
        .join("; ") || "no requests"
    );
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, { ...init, redirect: "manual" });
    const url = new URL(request.url);
    if (!LOOPBACK_HOSTS.has(url.hostname)) {
      this.violations.push(`${request.method} ${url.href}: refused, ${url.host} is not loopback`);
      throw new TypeError(`the contract recorder sends to loopback only, not to ${url.origin}`);
    }
    const base = new URL(this.baseUrl);
    const pathname = url.pathname.startsWith(base.pathname.replace(/\/$/, ""))
      ? url.pathname.slice(base.pathname.replace(/\/$/, "").length) || "/"
      : url.pathname;
    const op = matchOperation(request.method, pathname);
    const where = `${request.method} ${pathname}${url.search}`;

    const sentPrefer = request.headers.get("prefer");
    const want = op ? this.#prefer[op.id] : undefined;
    if (want === undefined) request.headers.delete("prefer");
    else request.headers.set("prefer", want);

    if (!op) this.violations.push(`${where}: no operation in the spec has this method and path`);
    else this.#checkRequest(op, url, request, where);

    const requestBody = request.body ? await request.clone().text() : undefined;
    const response = await fetch(request);
    const responseBody = await response.clone().text();
    const exchange: Exchange = {
      operationId: op?.id,
      method: request.method,
      url: `${pathname}${url.search}`,
      pathname,
      query: url.searchParams,
      requestHeaders: request.headers,
      requestBody,
      sentPrefer,
      status: response.status,
      responseHeaders: response.headers,
      responseBody,
    };
    this.#checkResponse(exchange, where);
    this.exchanges.push(exchange);
    this.onExchange?.(exchange);
    return response;
  };

  #checkRequest(op: SpecOperation, url: URL, request: Request, where: string): void {
    for (const name of new Set(url.searchParams.keys())) {
      if (!op.query.includes(name)) {
        this.violations.push(
          `${where}: query parameter "${name}" is not declared for ${op.id} (declared: ${op.query.join(", ") || "none"})`,
        );
      }
    }
    const type = request.headers.get("content-type");
    if (op.requestContentType && request.body && !type?.startsWith(op.requestContentType)) {
      this.violations.push(
        `${where}: body sent as ${type ?? "no content type"}, the spec says ${op.requestContentType}`,
      );
    }
  }

  #checkResponse(e: Exchange, where: string): void {
    const sl = e.responseHeaders.get("sl-violations");
    if (sl) this.violations.push(`${where}: Prism reports sl-violations ${sl}`);
    if (e.status === 422) this.violations.push(`${where}: 422 (Prism refused the request): ${e.responseBody}`);
    if (
      e.responseHeaders.get("content-type")?.includes("problem+json") &&
      e.responseBody.includes("stoplight.io/prism/errors")
    ) {
      this.violations.push(`${where}: Prism answered with its own error ${e.status}: ${e.responseBody}`);
    }
  }
}
