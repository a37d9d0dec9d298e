// Sends one logical call as one or more HTTP attempts: retries with backoff, an Idempotency-Key
// made once before the first attempt, a timeout that aborts the fetch, cancellation, redirects
// that never carry credentials to another origin, and log lines that never show a secret.
import { DEFAULTS } from "./defaults.js";
import {
  ClientClosedError,
  ConnectionError,
  RequestAbortedError,
  SandboxError,
  SandboxTimeoutError,
  errorFromResponse,
} from "./errors.js";
import type { Logger, ResolvedConfig } from "./options.js";
import { backoffMs, isRetryableNetworkError, isRetryableStatus, retryAfterMs, type RetryMode } from "./retry.js";
import { VERSION } from "./version.js";

export interface RequestOptions {
  /** Abort the call: the request in flight is aborted and `RequestAbortedError` is thrown at once. */
  signal?: AbortSignal | undefined;
  /** Per-attempt timeout in ms (`Infinity` for none). Default: the client's (30 s); exec: none. */
  timeoutMs?: number | undefined;
  /** Budget for the whole call, every attempt and backoff wait included. Default: none. */
  totalTimeoutMs?: number | undefined;
  /** Retries after the first attempt. Default: the client's (2). */
  maxRetries?: number | undefined;
  /** Idempotency key for creates; generated when absent. The same key is sent on every retry. */
  idempotencyKey?: string | undefined;
  /** Extra headers for this call. */
  headers?: Record<string, string> | undefined;
}

export interface Call {
  method: string;
  /** Path and query, appended to the base URL as text (never URL-resolved: the base may have a path). */
  path: string;
  headers?: Record<string, string>;
  body?: BodyInit | null;
  retry: RetryMode;
  /** How to read a 2xx body, inside the attempt so that the timeout and retries cover it. */
  read: "json" | "bytes" | "none" | "response";
  /** Send an Idempotency-Key (creates). */
  idempotent?: boolean;
  /** Default per-attempt timeout for this operation when the caller gives none. */
  timeoutMs?: number;
  /** Return non-2xx responses instead of throwing (the raw client reports them itself). */
  passErrors?: boolean;
}

export interface Outcome<T = unknown> {
  data: T;
  status: number;
  headers: Headers;
  requestId: string | undefined;
  /** Attempts made, 1 when the first one succeeded. */
  attempts: number;
  /** The Idempotency-Key sent on every attempt of a create. */
  idempotencyKey: string | undefined;
  /** True when the server answered with a stored response for this key (`Idempotent-Replayed`). */
  replayed: boolean;
}

const NULL_BODY = new Set([101, 204, 205, 304]);
/** Waits `ms`, ending early (without throwing) when any signal aborts; the attempt loop then reports why. */
function sleep(ms: number, signals: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s?.addEventListener("abort", done, { once: true });
  });
}

export function newIdempotencyKey(): string {
  return typeof crypto.randomUUID === "function"
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Transport {
  readonly #config: ResolvedConfig;
  readonly #closing = new AbortController();

  constructor(config: ResolvedConfig) {
    this.#config = config;
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** Aborts every request in flight; later calls fail at once with `ClientClosedError`. */
  close(): void {
    this.#closing.abort();
  }

  async send<T>(call: Call, options: RequestOptions = {}): Promise<Outcome<T>> {
    const c = this.#config;
    const maxRetries = call.body instanceof ReadableStream ? 0 : (options.maxRetries ?? c.maxRetries);
    const timeoutMs = options.timeoutMs ?? call.timeoutMs ?? c.timeoutMs;
    const deadline = Date.now() + (options.totalTimeoutMs ?? c.totalTimeoutMs ?? Infinity);
    const idempotencyKey = call.idempotent ? (options.idempotencyKey ?? newIdempotencyKey()) : undefined;
    const what = `${call.method} ${call.path.split("?")[0]}`;
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": `porter-sandbox-typescript/${VERSION}`,
      ...c.headers,
      ...call.headers,
      ...options.headers,
    };
    if (c.apiKey !== undefined) headers.authorization = `Bearer ${c.apiKey}`;
    if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;

    let attempt = 0;
    try {
      return await this.#attemptLoop<T>(call, options, { maxRetries, timeoutMs, deadline, idempotencyKey, what, headers }, (n) => (attempt = n));
    } catch (error) {
      if (error instanceof SandboxError) error.attempts = attempt;
      throw error;
    }
  }

  async #attemptLoop<T>(
    call: Call,
    options: RequestOptions,
    p: { maxRetries: number; timeoutMs: number; deadline: number; idempotencyKey: string | undefined; what: string; headers: Record<string, string> },
    count: (attempt: number) => void,
  ): Promise<Outcome<T>> {
    const c = this.#config;
    const { maxRetries, timeoutMs, deadline, idempotencyKey, what, headers } = p;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new ClientClosedError(`${what}: the client is closed`, { code: "client_closed" });
      if (options.signal?.aborted) throw aborted(what, options.signal);
      count(attempt);
      headers["x-porter-retry-count"] = String(attempt - 1);
      const started = Date.now();
      const budget = Math.min(timeoutMs, deadline - started);
      const ctl = new AbortController();
      let why: "timeout" | "abort" | "close" | undefined;
      const onAbort = () => ((why ??= "abort"), ctl.abort());
      const onClose = () => ((why ??= "close"), ctl.abort());
      options.signal?.addEventListener("abort", onAbort);
      this.#closing.signal.addEventListener("abort", onClose);
      const timer = Number.isFinite(budget) ? setTimeout(() => ((why ??= "timeout"), ctl.abort()), Math.max(0, budget)) : undefined;
      let failure: SandboxError;
      let waitMs: number | undefined;
      try {
        const url = call.path.startsWith("/") ? c.baseUrl + call.path : call.path;
        const res = await this.#fetchFollowingRedirects(url, call, headers, ctl.signal);
        const requestId = res.headers.get("x-request-id") ?? undefined;
        const retryable = !res.ok && isRetryableStatus(res.status, call.retry, res.headers);
        if (res.ok || (call.passErrors && (!retryable || attempt > maxRetries))) {
          const data = await readBody(res, call.read);
          this.#log("debug", `${what} ${res.status} (attempt ${attempt}, ${Date.now() - started} ms${requestId ? `, request ${requestId}` : ""})`);
          return {
            data: data as T, status: res.status, headers: res.headers, requestId, attempts: attempt, idempotencyKey,
            replayed: res.headers.get("idempotent-replayed") === "true",
          };
        }
        const ask = retryAfterMs(res.headers);
        failure = errorFromResponse(res.status, await readErrorBody(res), requestId, ask);
        this.#log("debug", `${what} ${res.status} (attempt ${attempt}, ${Date.now() - started} ms${requestId ? `, request ${requestId}` : ""})`);
        if (!retryable) throw failure;
        waitMs = ask;
      } catch (error) {
        if (why === "close") throw new ClientClosedError(`${what}: aborted because the client was closed`, { code: "client_closed" });
        if (why === "abort") throw aborted(what, options.signal!);
        if (error instanceof SandboxError && why === undefined) throw error;
        if (why === "timeout") {
          const overall = deadline - started <= timeoutMs;
          failure = new SandboxTimeoutError(
            `${what} timed out after ${Math.round(budget)} ms (${overall ? "totalTimeoutMs" : "timeoutMs"}, attempt ${attempt})`,
            { code: "timeout", cause: error },
          );
          if (overall || call.retry !== "idempotent") throw failure;
        } else {
          failure = new ConnectionError(`${what} failed: ${describe(error)}`, { code: "connection_error", cause: error });
          if (!isRetryableNetworkError(error, call.retry)) throw failure;
        }
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        this.#closing.signal.removeEventListener("abort", onClose);
      }
      if (attempt > maxRetries) throw failure;
      const delay = backoffMs(attempt, waitMs, c);
      if (Date.now() + delay >= deadline) throw failure;
      this.#log("info", `${what} retrying in ${Math.round(delay)} ms after ${failure.code} (attempt ${attempt} of ${maxRetries + 1})`);
      await sleep(delay, [options.signal, this.#closing.signal]);
    }
  }

  // Redirects are followed by hand so that `Authorization` never reaches another origin, in every
  // runtime (RFC 9110 §15.4; the Fetch standard strips it too, but not every fetch implementation does).
  async #fetchFollowingRedirects(url: string, call: Call, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    let method = call.method;
    let body = call.body ?? null;
    let sent = headers;
    for (let hop = 0; ; hop++) {
      const init: RequestInit & { duplex?: "half" } = { method, headers: sent, body, signal, redirect: "manual" };
      if (body instanceof ReadableStream) init.duplex = "half";
      const res = await this.#config.fetch(url, init);
      const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
      // Browsers hide manual redirects (an opaque response); there the Fetch standard's own
      // cross-origin rule protects the credentials, so let the browser follow.
      if (res.type === "opaqueredirect") return this.#config.fetch(url, { ...init, redirect: "follow" });
      if (location === null) return res;
      if (hop >= DEFAULTS.maxRedirects) throw new ConnectionError(`too many redirects (${hop}) for ${call.method}`, { code: "connection_error" });
      await res.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== new URL(url).origin) {
        const { authorization: _dropped, ...rest } = sent;
        sent = rest;
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = null;
      }
      url = next.href;
    }
  }

  #log(level: "debug" | "info", line: string): void {
    const { logger, logLevel } = this.#config;
    if (logLevel === "debug" || (logLevel === "info" && level === "info")) logger[level](`porter-sandbox: ${line}`);
  }
}

async function readBody(res: Response, read: Call["read"]): Promise<unknown> {
  if (read === "response") {
    const bytes = NULL_BODY.has(res.status) ? null : await res.arrayBuffer();
    return new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
  if (read === "bytes") return new Uint8Array(await res.arrayBuffer());
  const text = await res.text();
  if (read === "none" || text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new SandboxError(`${res.status} response is not JSON: ${excerpt(text)}`, {
      statusCode: res.status, code: "unexpected_status", body: excerpt(text), cause,
    });
  }
}

async function readErrorBody(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => "");
  try {
    return JSON.parse(text);
  } catch {
    return excerpt(text);
  }
}

/** A short single-line excerpt of a non-JSON body (an HTML error page from a proxy, say). */
export function excerpt(text: string): string {
  const flat = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

function aborted(what: string, signal: AbortSignal): RequestAbortedError {
  return new RequestAbortedError(`${what} was aborted by the caller's signal`, { code: "aborted", cause: signal.reason });
}

function describe(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } } | null;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(error)}${cause ? ` (${cause})` : ""}`;
}

export type { Logger };
