// The transport on real sockets: retries and their limits, idempotency keys, Retry-After, timeouts
// that abort the socket, cancellation, close, redirects, and error typing.
import { describe, expect, test } from "vitest";
import {
  ClientClosedError,
  ConnectionError,
  ConflictError,
  Porter,
  RateLimitError,
  RequestAbortedError,
  SandboxTimeoutError,
  ServerError,
  type ClientOptions,
} from "../../src/index.js";
import { json, useServers } from "../helpers/http.js";

const serve = useServers();

const status = (id = "sbx_1", extra: object = {}) => ({
  id,
  name: "box",
  image: "alpine",
  phase: "running",
  created_at: new Date().toISOString(),
  host: "",
  ...extra,
});
const fast: ClientOptions = { retryDelayMs: 1, maxRetryDelayMs: 5 };

describe("retries", () => {
  test("a create retried after 503 and a dropped connection sends one Idempotency-Key on every attempt, looking for its tag in between", async () => {
    let n = 0;
    const s = await serve((req, res, raw) => {
      if (req.method === "GET")
        return json(res, 200, { sandboxes: [], pagination: { current_page: 1, total_pages: 0, has_next_page: false } });
      n++;
      if (n === 1) return json(res, 503, { error: "busy" });
      if (n === 2) return void raw.socket.destroy();
      json(res, 201, { id: "sbx_1", name: "box", status: status() });
    });
    const porter = new Porter({ baseUrl: s.url, ...fast });
    const box = await porter.sandboxes.create({ image: "alpine", name: "box" });
    expect(box.id).toBe("sbx_1");
    expect(box.lastResponse?.attempts).toBe(3);
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/sandbox/run",
      "GET /v1/sandbox",
      "POST /v1/sandbox/run",
      "GET /v1/sandbox",
      "POST /v1/sandbox/run",
    ]);
    const posts = s.requests.filter((r) => r.method === "POST");
    const keys = posts.map((r) => r.headers["idempotency-key"]);
    expect(keys[0]).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(posts.map((r) => r.headers["x-porter-retry-count"])).toEqual(["0", "1", "2"]);
    expect(posts.every((r) => r.body.toString() === posts[0]!.body.toString())).toBe(true);
  });

  test("a caller's idempotencyKey is sent as given", async () => {
    const s = await serve((_req, res) => json(res, 201, { id: "sbx_1", name: "box", status: status() }));
    await new Porter({ baseUrl: s.url }).sandboxes.create({ image: "alpine" }, { idempotencyKey: "run-42-box" });
    expect(s.requests[0]!.headers["idempotency-key"]).toBe("run-42-box");
  });

  test("maxRetries bounds the attempts, per client and per call", async () => {
    const s = await serve((_req, res) => json(res, 500, { error: "down" }));
    const porter = new Porter({ baseUrl: s.url, maxRetries: 3, ...fast });
    await expect(porter.sandboxes.get("sbx_1")).rejects.toBeInstanceOf(ServerError);
    expect(s.requests).toHaveLength(4);
    await expect(porter.sandboxes.get("sbx_1", { maxRetries: 0 })).rejects.toMatchObject({
      attempts: 1,
      code: "internal_error",
    });
    expect(s.requests).toHaveLength(5);
  });

  test("4xx other than 408 and 429 is not retried", async () => {
    const s = await serve((_req, res) => json(res, 409, { error: "name taken", code: "conflict" }));
    const porter = new Porter({ baseUrl: s.url, ...fast });
    await expect(porter.sandboxes.create({ image: "alpine" })).rejects.toBeInstanceOf(ConflictError);
    expect(s.requests).toHaveLength(1);
  });

  test("Retry-After in seconds and retry-after-ms are honoured; the wait is logged", async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n++;
      if (n === 1) return json(res, 429, { error: "slow down" }, { "retry-after": "0.02" });
      if (n === 2) return json(res, 503, { error: "busy" }, { "retry-after-ms": "15" });
      json(res, 200, status());
    });
    const lines: string[] = [];
    const logger = {
      debug: (l: string) => lines.push(l),
      info: (l: string) => lines.push(l),
      warn: () => {},
      error: () => {},
    };
    const porter = new Porter({ baseUrl: s.url, logger, logLevel: "info", retryDelayMs: 5_000 });
    await porter.sandboxes.get("sbx_1");
    expect(lines).toEqual([
      "porter-sandbox: GET /v1/sandbox/sbx_1 retrying in 20 ms after rate_limited (attempt 1 of 3)",
      "porter-sandbox: GET /v1/sandbox/sbx_1 retrying in 15 ms after internal_error (attempt 2 of 3)",
    ]);
  });

  test("a 429 that exhausts the retries is a RateLimitError carrying retryAfterMs", async () => {
    const s = await serve((_req, res) => json(res, 429, { error: "slow down" }, { "retry-after": "1" }));
    const err = await new Porter({ baseUrl: s.url, maxRetries: 0 }).sandboxes.get("sbx_1").catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ statusCode: 429, code: "rate_limited", retryAfterMs: 1000 });
  });
});

describe("exec is never run twice by the SDK", () => {
  test("a 500 or a reset after sending is not retried", async () => {
    const s = await serve((req, res, raw) =>
      req.path.endsWith("/exec") ? void raw.socket.destroy() : json(res, 200, status()),
    );
    const porter = new Porter({ baseUrl: s.url, ...fast });
    const box = await porter.sandboxes.get("sbx_1");
    await expect(box.exec(["echo", "hi"])).rejects.toBeInstanceOf(ConnectionError);
    s.handle((req, res) => json(res, 500, { error: "boom" }));
    await expect(box.exec(["echo", "hi"])).rejects.toBeInstanceOf(ServerError);
    expect(s.requests.filter((r) => r.path.endsWith("/exec"))).toHaveLength(2);
  });

  test("a 429 proves the command did not start, so it is retried", async () => {
    let n = 0;
    const s = await serve((req, res) => {
      if (!req.path.endsWith("/exec")) return json(res, 200, status());
      if (n++ === 0) return json(res, 429, { error: "slow down" }, { "retry-after-ms": "1" });
      json(res, 200, { stdout: "hi\n", stderr: "", exit_code: 0 });
    });
    const box = await new Porter({ baseUrl: s.url, ...fast }).sandboxes.get("sbx_1");
    expect(await box.exec(["echo", "hi"])).toEqual({ stdout: "hi\n", stderr: "", exit_code: 0 });
    const execs = s.requests.filter((r) => r.path.endsWith("/exec"));
    expect(execs.map((r) => r.json)).toEqual([{ command: ["echo", "hi"] }, { command: ["echo", "hi"] }]);
  });

  test("a refused connection proves it did not start, so it is retried", async () => {
    const dead = await serve();
    const url = dead.url;
    await dead.close();
    const porter = new Porter({ baseUrl: url, maxRetries: 2, ...fast });
    const err = await porter.raw
      .POST("/v1/sandbox/{id}/exec", { params: { path: { id: "sbx_1" } }, body: { command: ["true"] } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.attempts).toBe(3);
    expect(err.message).toContain("ECONNREFUSED");
  });
});

describe("timeouts and cancellation", () => {
  test("a stalled request is aborted at timeoutMs: the server sees the socket close", async () => {
    let closed = 0;
    const s = await serve((_req, _res, raw) => void raw.socket.on("close", () => closed++));
    const porter = new Porter({ baseUrl: s.url, timeoutMs: 50, maxRetries: 1, ...fast });
    const err = await porter.sandboxes.get("sbx_1").catch((e) => e);
    expect(err).toBeInstanceOf(SandboxTimeoutError);
    expect(err.code).toBe("timeout");
    expect(err.message).toContain("timed out after 50 ms (timeoutMs, attempt 2)");
    expect(s.requests).toHaveLength(2);
    await expect.poll(() => closed).toBe(2);
  });

  test("exec has no timeout by default but honours one per call", async () => {
    const s = await serve((req, res) => {
      if (!req.path.endsWith("/exec")) return json(res, 200, status());
      setTimeout(() => json(res, 200, { stdout: "", stderr: "", exit_code: 0 }), 120);
    });
    const box = await new Porter({ baseUrl: s.url, timeoutMs: 40 }).sandboxes.get("sbx_1");
    expect((await box.exec(["sleep", "0.1"])).exit_code).toBe(0);
    await expect(box.exec(["sleep", "1"], { timeoutMs: 30 })).rejects.toBeInstanceOf(SandboxTimeoutError);
  });

  test("totalTimeoutMs bounds every attempt and backoff together", async () => {
    const s = await serve((_req, res) => json(res, 503, { error: "busy" }, { "retry-after-ms": "30" }));
    const porter = new Porter({ baseUrl: s.url, maxRetries: 50 });
    const err = await porter.sandboxes.get("sbx_1", { totalTimeoutMs: 100 }).catch((e) => e);
    // The budget ends the call with the last failure (or a timeout if it ran out mid-attempt), long
    // before the 51 attempts maxRetries would allow; how many fit depends on the machine's speed.
    expect(["internal_error", "timeout"]).toContain(err.code);
    expect(s.requests.length).toBeGreaterThanOrEqual(1);
    expect(s.requests.length).toBeLessThan(10);
  });

  test("aborting the caller's signal raises RequestAbortedError at once and closes the socket", async () => {
    let closed = false;
    const s = await serve((_req, _res, raw) => void raw.socket.on("close", () => (closed = true)));
    const ctl = new AbortController();
    const pending = new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1", { signal: ctl.signal }).catch((e) => e);
    await expect.poll(() => s.requests.length).toBe(1);
    ctl.abort();
    const err = await pending;
    expect(err).toBeInstanceOf(RequestAbortedError);
    expect(err.code).toBe("aborted");
    await expect.poll(() => closed).toBe(true);
  });

  test("an already aborted signal sends nothing", async () => {
    const s = await serve();
    const err = await new Porter({ baseUrl: s.url }).sandboxes
      .get("sbx_1", { signal: AbortSignal.abort() })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RequestAbortedError);
    expect(s.requests).toHaveLength(0);
  });

  test("close() aborts requests in flight; later calls fail at once without a request", async () => {
    const s = await serve(() => {});
    const porter = new Porter({ baseUrl: s.url });
    const pending = porter.sandboxes.get("sbx_1").catch((e) => e);
    await expect.poll(() => s.requests.length).toBe(1);
    porter.close();
    expect(await pending).toBeInstanceOf(ClientClosedError);
    const later = await porter.healthz.healthCheck().catch((e) => e);
    expect(later).toBeInstanceOf(ClientClosedError);
    expect(later.message).toContain("the client is closed");
    expect(s.requests).toHaveLength(1);
  });

  test("close() also ends a retry's backoff wait at once", async () => {
    const s = await serve((_req, res) => json(res, 503, { error: "busy" }, { "retry-after": "30" }));
    const porter = new Porter({ baseUrl: s.url });
    const pending = porter.sandboxes.get("sbx_1").catch((e) => e);
    await expect.poll(() => s.requests.length).toBe(1);
    const closedAt = Date.now();
    porter.close();
    expect(await pending).toBeInstanceOf(ClientClosedError);
    expect(Date.now() - closedAt).toBeLessThan(5_000);
    expect(s.requests).toHaveLength(1);
  });

  test("many calls in flight on one client add no listener per call (no MaxListenersExceededWarning)", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const s = await serve((_req, res) => void setTimeout(() => json(res, 200, status()), 20));
    const porter = new Porter({ baseUrl: s.url });
    const ctl = new AbortController();
    await Promise.all(Array.from({ length: 40 }, () => porter.sandboxes.get("sbx_1", { signal: ctl.signal })));
    await new Promise((r) => setTimeout(r, 10));
    process.off("warning", onWarning);
    expect(warnings).toEqual([]);
    expect(s.requests).toHaveLength(40);
  });

  test("await using closes the client at scope exit", async () => {
    const s = await serve(() => {});
    let pending: Promise<unknown>;
    {
      await using porter = new Porter({ baseUrl: s.url });
      pending = porter.sandboxes.get("sbx_1").catch((e) => e);
      await expect.poll(() => s.requests.length).toBe(1);
    }
    expect(await pending).toBeInstanceOf(ClientClosedError);
  });
});

describe("redirects", () => {
  test("followed on the same origin with credentials, across origins without them", async () => {
    const other = await serve((_req, res) => json(res, 200, { status: "ok" }));
    const s = await serve((req, res) => {
      if (req.path === "/healthz") return void res.writeHead(307, { location: "/moved/healthz" }).end();
      if (req.path === "/moved/healthz") return void res.writeHead(302, { location: `${other.url}/healthz` }).end();
      json(res, 404, { error: "no" });
    });
    const porter = new Porter({ baseUrl: s.url, apiKey: "secret-token" });
    expect(await porter.healthz.healthCheck()).toEqual({ status: "ok" });
    expect(s.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ["/healthz", "Bearer secret-token"],
      ["/moved/healthz", "Bearer secret-token"],
    ]);
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });
});

describe("responses", () => {
  test("an HTML error page from a proxy becomes a typed error with the status and a short excerpt", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(502, { "content-type": "text/html", "x-request-id": "req_9" });
      res.end(`<html><body><h1>502 Bad Gateway</h1>${"<p>nginx</p>".repeat(100)}</body></html>`);
    });
    const err = await new Porter({ baseUrl: s.url, maxRetries: 0 }).sandboxes.get("sbx_1").catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ statusCode: 502, code: "internal_error", requestId: "req_9" });
    expect(err.message).toMatch(/^502 internal_error: unexpected non-JSON response: "502 Bad Gateway nginx/);
    expect(err.message.length).toBeLessThan(300);
  });

  test("the code comes from the body when present, from the status when not", async () => {
    const s = await serve((req, res) =>
      req.path === "/v1/sandbox/run"
        ? json(res, 409, { error: "key reused", code: "idempotency_key_reused" })
        : json(res, 409, { error: "not running" }),
    );
    const porter = new Porter({ baseUrl: s.url });
    await expect(porter.sandboxes.create({ image: "a" })).rejects.toMatchObject({
      code: "idempotency_key_reused",
      statusCode: 409,
    });
    await expect(porter.sandboxes.get("sbx_1")).rejects.toMatchObject({ code: "conflict" });
  });

  test("User-Agent names the SDK and its version; default and per-call headers are sent", async () => {
    const s = await serve((_req, res) => json(res, 200, { status: "ok" }));
    const porter = new Porter({ baseUrl: s.url, defaultHeaders: { "x-team": "ml" } });
    await porter.healthz.healthCheck({ headers: { "x-trace": "t1" } });
    const h = s.requests[0]!.headers;
    expect(h["user-agent"]).toMatch(/^porter-sandbox-typescript\/\d+\.\d+\.\d+/);
    expect([h["x-team"], h["x-trace"], h.authorization]).toEqual(["ml", "t1", undefined]);
  });
});
