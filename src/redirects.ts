// Redirects are followed by hand so that `Authorization` never reaches another origin, in every
// runtime (RFC 9110 §15.4; the Fetch standard strips it too, but not every fetch implementation does).
import { DEFAULTS } from "./defaults.js";
import { ConnectionError } from "./errors.js";

export interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body: BodyInit | null;
}

// Browsers answer a manual redirect with an opaque response that hides where it goes, and sending the
// request again to follow it would repeat it; there the Fetch standard's own cross-origin rule protects
// the credentials, so the browser follows. Server runtimes show the Location and we follow by hand.
const canFollowByHand = () => ["process", "Deno", "Bun"].some((name) => (globalThis as Record<string, unknown>)[name] !== undefined);

export async function fetchFollowingRedirects(fetchImpl: typeof fetch, url: string, request: Outgoing, signal: AbortSignal): Promise<Response> {
  let { method, headers, body } = request;
  const redirect: RequestRedirect = canFollowByHand() ? "manual" : "follow";
  for (let hop = 0; ; hop++) {
    const init: RequestInit & { duplex?: "half" } = { method, headers, body, signal, redirect };
    if (body instanceof ReadableStream) init.duplex = "half";
    const res = await fetchImpl(url, init);
    if (res.type === "opaqueredirect") return res;
    const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
    if (location === null) return res;
    if (hop >= DEFAULTS.maxRedirects) throw new ConnectionError(`${request.method} gave up after ${hop} redirects`, { code: "connection_error" });
    await res.body?.cancel();
    const next = new URL(location, url);
    if (next.origin !== new URL(url).origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    // RFC 9110 §15.4.4: 303 turns into GET; 301/302 after POST do too in every browser.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
      method = "GET";
      body = null;
    }
    url = next.href;
  }
}
