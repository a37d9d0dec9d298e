// Regression tests for defects a review found: each one failed before its fix.
import { describe, expect, test } from "vitest";
import { ConflictError, Porter, SandboxError, SandboxTimeoutError, ValidationError } from "../../src/index.js";
import { json, useServers } from "../helpers/http.js";

const serve = useServers();
const record = (over: object = {}) => ({
  id: "sbx_1",
  name: "box",
  image: "alpine",
  phase: "running",
  created_at: new Date().toISOString(),
  host: "",
  ...over,
});

describe("creates", () => {
  // The budget of the hanging case is generous so that a loaded machine cannot spend it on the POST.
  test.each([
    ["answers 500", { maxRetries: 0 }],
    ["hangs past the call's budget", { totalTimeoutMs: 1500 }],
  ])(
    "a create whose follow-up status request %s still returns the sandbox it made, never an error",
    async (how, options) => {
      const s = await serve((req, res) => {
        if (req.method === "POST") return json(res, 201, { id: "sbx_9", name: "job" });
        if (how === "answers 500") json(res, 500, { error: "down" });
      });
      const box = await new Porter({ baseUrl: s.url }).sandboxes.create({ image: "alpine", name: "job" }, options);
      expect([box.id, box.name, box.phase, box.image]).toEqual(["sbx_9", "job", "queued", "alpine"]);
      expect(s.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
    },
  );

  test("after a 503 the SDK looks for the create's tag before sending again; a name conflict then is looked for by the tag once more and, not this call's, reported", async () => {
    let posts = 0;
    const s = await serve((req, res) => {
      if (req.method === "POST")
        return ++posts === 1 ? json(res, 503, { error: "busy" }) : json(res, 409, { error: "name taken" });
      if (req.path === "/v1/sandbox")
        return json(res, 200, { sandboxes: [], pagination: { current_page: 1, total_pages: 0, has_next_page: false } });
      if (req.path === "/v1/sandbox/lookup") return json(res, 200, { id: "sbx_1" });
      json(res, 200, record({ name: "job" }));
    });
    const err = await new Porter({ baseUrl: s.url, retryDelayMs: 1 }).sandboxes
      .create({ image: "alpine", name: "job" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    // The 503 (without Retry-After) may have come after the server made it: one attempt of unknown outcome.
    expect([err.attempts, err.uncertainAttempts]).toEqual([2, 1]);
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/sandbox/run",
      "GET /v1/sandbox",
      "POST /v1/sandbox/run",
      "GET /v1/sandbox",
    ]);
  });
});

describe("options and timers", () => {
  test.each([
    [{ maxRetries: Number.NaN }, /maxRetries/],
    [{ maxRetries: Infinity }, /maxRetries/],
    [{ timeoutMs: Number.NaN }, /timeoutMs/],
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ timeoutMs: 3e9 }, /at most 2147483647/],
    [{ totalTimeoutMs: -1 }, /totalTimeoutMs/],
  ])("per-call option %j is refused before any request", async (options, message) => {
    const s = await serve((_req, res) => json(res, 500, { error: "down" }));
    const err = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1", options).catch((e) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect(err.message).toMatch(message);
    expect(s.requests).toHaveLength(0);
  });

  test("a wait's timeoutMs bounds its polls too, and the wait reports its own timeout", async () => {
    let gets = 0;
    const s = await serve((_req, res) => (gets++ === 0 ? json(res, 200, record({ phase: "creating" })) : undefined));
    const box = await new Porter({ baseUrl: s.url, timeoutMs: 20_000 }).sandboxes.get("sbx_1");
    const started = Date.now();
    const err = await box.waitUntilRunning({ timeoutMs: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(SandboxTimeoutError);
    expect(err.message).toBe("sandbox box to be running: still waiting after 200 ms");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("waitUntilRunning asks afresh even when the handle already says running", async () => {
    let n = 0;
    const s = await serve((_req, res) =>
      json(res, 200, record({ phase: n++ === 0 ? "running" : "failed", exit_code: 1 })),
    );
    const box = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
    await expect(box.waitUntilRunning()).rejects.toThrow("sandbox box is failed with exit code 1");
  });

  test("a logger that throws does not turn a request that succeeded into an error", async () => {
    const s = await serve((_req, res) => json(res, 200, { status: "ok" }));
    const boom = () => {
      throw new Error("logger down");
    };
    const porter = new Porter({
      baseUrl: s.url,
      logLevel: "debug",
      logger: { debug: boom, info: boom, warn: boom, error: boom },
    });
    expect(await porter.healthz.healthCheck()).toEqual({ status: "ok" });
    expect(s.requests).toHaveLength(1);
  });

  test("waits sharing one signal add no listener each (no MaxListenersExceededWarning)", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const s = await serve((_req, res) => json(res, 200, record({ phase: "creating" })));
    const box = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
    const ctl = new AbortController();
    const waits = Array.from({ length: 15 }, () => box.waitUntilRunning({ signal: ctl.signal }).catch((e) => e));
    await new Promise((r) => setTimeout(r, 120));
    ctl.abort();
    expect((await Promise.all(waits)).every((e) => e instanceof SandboxError && e.code === "aborted")).toBe(true);
    process.off("warning", onWarning);
    expect(warnings).toEqual([]);
  });
});

describe("credentials and headers", () => {
  test("header names merge case-insensitively: one Idempotency-Key, and Authorization never crosses origins", async () => {
    const other = await serve((_req, res) => json(res, 200, { status: "ok" }));
    const s = await serve((req, res) =>
      req.path === "/healthz"
        ? void res.writeHead(302, { location: `${other.url}/healthz` }).end()
        : json(res, 201, { id: "sbx_1", name: "box", status: record() }),
    );
    const porter = new Porter({ baseUrl: s.url, defaultHeaders: { Authorization: "Bearer from-default-headers" } });
    await porter.healthz.healthCheck();
    expect(s.requests[0]!.headers.authorization).toBe("Bearer from-default-headers");
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
    await porter.sandboxes.create({ image: "alpine" }, { headers: { "Idempotency-Key": "mine" } });
    expect(s.requests[1]!.headers["idempotency-key"]).toBe("mine");
  });

  test("a raw call cannot be pointed at another base URL, so the API key goes to the API's origin only", async () => {
    const other = await serve((_req, res) => json(res, 200, { status: "ok" }));
    const s = await serve((_req, res) => json(res, 200, { status: "ok" }));
    const porter = new Porter({ baseUrl: s.url, apiKey: "TOPSECRET" });
    await expect(porter.raw.GET("/healthz", { baseUrl: other.url } as never)).rejects.toThrow(
      /baseUrl: is not supported/,
    );
    await porter.raw.GET("/healthz");
    expect(other.requests).toHaveLength(0);
    expect(s.requests[0]!.headers.authorization).toBe("Bearer TOPSECRET");
  });

  test("a key with a line break, or a base URL with credentials, is refused at construction without echoing it", () => {
    expect(() => new Porter({ baseUrl: "http://127.0.0.1:1", apiKey: "abc.SECRETPART\ndef" })).toThrow(
      /only visible ASCII/,
    );
    expect(() => new Porter({ baseUrl: "http://127.0.0.1:1", apiKey: "abc.SECRETPART\ndef" })).not.toThrow(
      /SECRETPART/,
    );
    expect(() => new Porter({ baseUrl: "http://user:PASSWORD@127.0.0.1:1" })).toThrow(
      /must not hold a user name, password/,
    );
    expect(() => new Porter({ baseUrl: "http://user:PASSWORD@127.0.0.1:1" })).not.toThrow(/PASSWORD/);
  });
});

describe("input", () => {
  test("built-in property names and unknown query parameters are refused, not sent", async () => {
    const s = await serve((_req, res) => json(res, 500, { error: "no request should arrive" }));
    const porter = new Porter({ baseUrl: s.url });
    const a = await porter.volumes.create({ name: "v", constructor: "x" } as never).catch((e) => e);
    expect(a).toBeInstanceOf(ValidationError);
    expect(a.issues).toEqual([{ path: "constructor", message: "is not a known field" }]);
    const b = (await Promise.resolve(porter.sandboxes.list({ phases: ["failed"] } as never)).catch(
      (e: unknown) => e,
    )) as ValidationError;
    expect(b).toBeInstanceOf(ValidationError);
    expect(b.issues).toEqual([{ path: "phases", message: "is not a known field" }]);
    expect(s.requests).toHaveLength(0);
  });

  test("an id that only looks like a name but breaks the name rule goes straight to the record", async () => {
    const s = await serve((_req, res) => json(res, 200, record({ id: "a".repeat(70) })));
    await new Porter({ baseUrl: s.url }).sandboxes.get("a".repeat(70));
    expect(s.requests.map((r) => r.path)).toEqual([`/v1/sandbox/${"a".repeat(70)}`]);
  });

  test("a pager that does not advance is an error, not an endless loop", async () => {
    const s = await serve((_req, res) =>
      json(res, 200, { sandboxes: [record()], pagination: { current_page: 1, total_pages: 5, has_next_page: true } }),
    );
    const seen: string[] = [];
    const err = await (async () => {
      for await (const box of new Porter({ baseUrl: s.url }).sandboxes.list()) seen.push(box.id);
    })().catch((e) => e);
    // The server's fault, not the caller's: an answer the SDK cannot use, as a 2xx that is not JSON is.
    expect(err).toBeInstanceOf(SandboxError);
    expect(err).not.toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: "unexpected_status", message: "asked for page 2, got page 1" });
    expect(s.requests).toHaveLength(2);
  });

  test("a stream under an already aborted signal sends nothing", async () => {
    const s = await serve((_req, res) =>
      json(res, 200, { id: "vol_1", name: "v", phase: "ready", attached_to: [], created_at: new Date().toISOString() }),
    );
    const volume = await new Porter({ baseUrl: s.url }).volumes.get("vol_1");
    const reader = volume.stream("big.bin", { chunkBytes: 4 }, { signal: AbortSignal.abort() }).getReader();
    await expect(reader.read()).rejects.toBeDefined();
    expect(s.requests.filter((r) => r.path.endsWith("/files/content"))).toHaveLength(0);
  });
});
