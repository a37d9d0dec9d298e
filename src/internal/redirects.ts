// Redirects are followed by hand so that credentials never reach another origin, in every runtime
// (RFC 9110 §15.4; the Fetch standard strips `Authorization` too, but not every fetch implementation
// does), and so that a request keeps its method and body through a 307 or 308: Porter's API answers a
// file write with a 307 to where the file is written.
import { DEFAULTS } from "../core/defaults.js";
import { ConnectionError, nameErrors, SandboxError, type SandboxErrorInit } from "../core/errors.js";

export interface Outgoing {
  method: string;
  /** Lowercased names (the transport merges them so). */
  headers: Record<string, string>;
  body: BodyInit | null;
  /** Runtime-specific fetch options for every hop (see runtime-limits.ts). */
  runtimeOptions?: Readonly<Record<string, unknown>>;
}

/**
 * The API redirected a request whose body is a `ReadableStream` (code `stream_redirected`). Porter's API
 * answers a file write with a 307, and the redirected request must carry the body again, but a stream can
 * be read only once, so it was not re-sent. The API wrote nothing: it answered the first request with the
 * redirect. Pass the content as a `Uint8Array`, a string or a `Blob`, which can be sent twice.
 *
 * @example
 * ```ts
 * const response = await fetch("https://example.com/weights.bin");
 * try {
 *   await volume.writeFile("results/weights.bin", response.body!);
 * } catch (error) {
 *   if (error instanceof StreamRedirectError) console.error("read it into a Blob first:", error.message);
 *   throw error;
 * }
 * // A Blob can be sent again through the API's 307 (it is held in memory: 1 GiB at most per write).
 * const blob = await (await fetch("https://example.com/weights.bin")).blob();
 * await volume.writeFile("results/weights.bin", blob);
 * ```
 */
export class StreamRedirectError extends SandboxError {
  constructor(message: string, init: SandboxErrorInit = {}) {
    super(message, { code: "stream_redirected", ...init });
  }
}

nameErrors({ StreamRedirectError });

// Headers that carry credentials: none of them may follow a redirect to another origin. (Browsers send
// Cookie and Proxy-Authorization themselves; a server runtime sends whatever the caller set.)
const CREDENTIAL_HEADERS: readonly string[] = ["authorization", "cookie", "proxy-authorization"];

// Whether this runtime shows a redirect's Location, so that the SDK can follow it by hand: server
// runtimes (Node, Deno, Bun) do. Browsers answer a manual redirect with an opaque response that hides
// where it goes, and sending the request again to follow it would repeat it; there the Fetch standard's
// own cross-origin rule protects the credentials, so the browser follows.
//
// The runtime cannot change while the process runs, so it is asked once per process, on the first
// request rather than at import (importing the SDK runs nothing). A test of the browser path loads the
// SDK into a fresh context (test/release/runtimes.test.ts), which starts with no answer of its own.
let runtimeShowsLocation: boolean | undefined;

function followsRedirectsByHand(): boolean {
  const globals = globalThis as Record<string, unknown>;
  runtimeShowsLocation ??= ["process", "Deno", "Bun"].some((name) => globals[name] !== undefined);
  return runtimeShowsLocation;
}

const isRedirect = (status: number) => status >= 300 && status < 400;

export async function fetchFollowingRedirects(
  fetchImpl: typeof fetch,
  url: string,
  request: Outgoing,
  signal: AbortSignal,
): Promise<Response> {
  let { method, headers, body } = request;
  const streamed = body instanceof ReadableStream;
  // Redirects come back to us where the runtime shows them, and for a stream body in any runtime: a
  // browser would fail a redirected stream with a bare network error; "manual" lets us say why instead.
  const redirectsComeBack = followsRedirectsByHand() || streamed;
  const redirect: RequestRedirect = redirectsComeBack ? "manual" : "follow";
  for (let hop = 0; ; hop++) {
    const init: RequestInit & { duplex?: "half" } = {
      ...request.runtimeOptions,
      method,
      headers,
      body,
      signal,
      redirect,
    };
    if (body instanceof ReadableStream) init.duplex = "half";
    const res = await fetchImpl(url, init);
    if (res.type === "opaqueredirect") {
      if (streamed) throw streamRedirected(request.method, url, "a redirect");
      return res;
    }
    const location = isRedirect(res.status) ? res.headers.get("location") : null;
    if (location === null) return res;
    if (hop >= DEFAULTS.maxRedirects) throw tooManyRedirects(request.method, hop);
    await res.body?.cancel();
    const next = new URL(location, url);
    const leavesOrigin = next.origin !== new URL(url).origin;
    if (leavesOrigin) headers = withoutCredentials(headers);
    if (becomesGet(res.status, method)) {
      method = "GET";
      body = null;
    } else if (body instanceof ReadableStream) {
      // The stream went with the first request: it cannot be sent again (307 and 308 keep the body).
      throw streamRedirected(request.method, url, `a ${res.status}`);
    }
    url = next.href;
  }
}

// RFC 9110 §15.4.4: a 303 turns any method into GET; a 301 or 302 after a POST does too, in every browser.
function becomesGet(status: number, method: string): boolean {
  const seeOther = status === 303;
  const postMovedOrFound = (status === 301 || status === 302) && method === "POST";
  return seeOther || postMovedOrFound;
}

function tooManyRedirects(method: string, hops: number): ConnectionError {
  return new ConnectionError(`${method} gave up after ${hops} redirects`, { code: "connection_error" });
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.includes(name)));
}

// Names the method and path only: a redirect's Location may carry a signed query, which is a secret.
function streamRedirected(method: string, url: string, what: string): StreamRedirectError {
  return new StreamRedirectError(
    `${method} ${new URL(url).pathname}: the API answered with ${what} to another location, and the request's body is a ReadableStream, ` +
      "which can be sent only once, so it was not sent again: nothing was written; pass the content as a Uint8Array, a string or a Blob",
  );
}
