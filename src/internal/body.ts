// Reading response bodies, inside the attempt so that the timeout and retries cover the whole read.
import { DEFAULTS } from "../core/defaults.js";
import { SandboxError } from "../core/errors.js";
import { redactSecret } from "./redact.js";

export type ReadAs = "json" | "bytes" | "none" | "response";

// `secret` (the API key) is taken out of a body's text before anything is cut from it: an excerpt that
// ended inside the key would otherwise keep all of it but the part cut off.

export async function readBody(res: Response, read: ReadAs, requestId?: string, secret?: string): Promise<unknown> {
  if (read === "response") {
    // The raw client gets a fresh, fully read Response, so it is not cut by the attempt's timer. An
    // empty body is passed on as none: a 204 or 304 must not be given one, even an empty one.
    const bytes = await res.arrayBuffer();
    return new Response(bytes.byteLength ? bytes : null, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  }
  if (read === "bytes") return new Uint8Array(await res.arrayBuffer());
  const text = await res.text();
  if (read === "none" || text === "") return undefined;
  return parseJson(res.status, text, requestId, secret);
}

/** A 2xx body read as JSON; one that is not is an answer the SDK cannot use (code `unexpected_status`). */
export function parseJson(status: number, text: string, requestId: string | undefined, secret?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const body = excerpt(redactSecret(text, secret));
    throw new SandboxError(`${status} response is not JSON: ${body}`, { statusCode: status, body, requestId, cause });
  }
}

export async function readErrorBody(res: Response, secret?: string): Promise<unknown> {
  const text = redactSecret(await res.text().catch(() => ""), secret);
  try {
    return JSON.parse(text);
  } catch {
    return excerpt(text);
  }
}

/** A short single-line excerpt of a non-JSON body (an HTML error page from a proxy, say). */
export function excerpt(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const limit = DEFAULTS.bodyExcerptChars;
  return flat.length > limit ? `${flat.slice(0, limit)}…` : flat;
}
