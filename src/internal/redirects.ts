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

// Browsers answer a manual redirect with an opaque response that hides where it goes, and sending the
// request again to follow it would repeat it; there the Fetch standard's own cross-origin rule protects
// the credentials, so the browser follows. Server runtimes show the Location and we follow by hand.
const canFollowByHand = () =>
  ["process", "Deno", "Bun"].some((name) => (globalThis as Record<string, unknown>)[name] !== undefined);

const isRedirect = (status: number) => status >= 300 && status < 400;

export async function fetchFollowingRedirects(
  fetchImpl: typeof fetch,
  url: string,
  request: Outgoing,
  signal: AbortSignal,
): Promise<Response> {
  let { method, headers, body } = request;
  const streamed = body instanceof ReadableStream;
  // A browser would fail a redirected stream with a bare network error; "manual" lets us say why instead.
  const redirect: RequestRedirect = canFollowByHand() || streamed ? "manual" : "follow";
  for (let hop = 0; ; hop++) {
    const init: RequestInit & { duplex?: "half" } = { method, headers, body, signal, redirect };
    if (body instanceof ReadableStream) init.duplex = "half";
    const res = await fetchImpl(url, init);
    if (res.type === "opaqueredirect") {
      if (streamed) throw streamRedirected(request.method, url, "a redirect");
      return res;
    }
    const location = isRedirect(res.status) ? res.headers.get("location") : null;
    if (location === null) return res;
    if (hop >= DEFAULTS.maxRedirects)
      throw new ConnectionError(`${request.method} gave up after ${hop} redirects`, { code: "connection_error" });
    await res.body?.cancel();
    const next = new URL(location, url);
    if (next.origin !== new URL(url).origin) headers = withoutCredentials(headers);
    // RFC 9110 §15.4.4: 303 turns into GET; 301/302 after POST do too in every browser.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
      method = "GET";
      body = null;
    } else if (body instanceof ReadableStream) {
      // The stream went with the first request: it cannot be sent again (307 and 308 keep the body).
      throw streamRedirected(request.method, url, `a ${res.status}`);
    }
    url = next.href;
  }
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
