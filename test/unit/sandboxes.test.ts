// porter.sandboxes and Sandbox handles, checked on the wire: method, path, query, headers and body.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  IDEMPOTENCY_TAG,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  Porter,
  RateLimitError,
  RequestAbortedError,
  Sandbox,
  SandboxError,
  SandboxNotRunningError,
  SandboxTimeoutError,
  ServerError,
  ValidationError,
  type StatusResponse,
} from "../../src/index.js";
import { json, startServer, type Recorded, type TestServer } from "../helpers/http.js";

let s: TestServer;
let porter: Porter;
const record = (over: Partial<StatusResponse> = {}): StatusResponse => ({
  id: "sbx_1",
  name: "box",
  image: "alpine",
  phase: "running",
  created_at: "2026-11-22T00:00:00Z",
  host: "",
  ...over,
});
const wire = (r: Recorded) => `${r.method} ${r.url}`;

beforeEach(async () => {
  s = await startServer();
  porter = new Porter({ baseUrl: s.url, retryDelayMs: 1 });
});
afterEach(() => s.close());

describe("create", () => {
  test("posts the spec with wire names unchanged and JSON headers; fetches the status when not embedded", async () => {
    // Porter's API answers 202 with the id and name only.
    s.handle((req, res) =>
      req.method === "POST"
        ? json(res, 202, { id: "sbx_1", name: "box" })
        : json(res, 200, record({ phase: "creating" })),
    );
    const spec = {
      image: "python:3.12-slim",
      name: "box",
      command: ["sleep", "infinity"],
      args: ["x"],
      env: { A: "1" },
      tags: { workflow: "demo" },
      volume_mounts: { "/mnt/data": "vol_1" },
      ttl_seconds: 600,
      networking: [{ port: 8080 }],
      egress: { allowed_destinations: ["pypi.org"] },
      resources: { cpu: "500m", memory: "512Mi" },
    };
    const box = await porter.sandboxes.create(spec);
    expect(s.requests.map(wire)).toEqual(["POST /v1/sandbox/run", "GET /v1/sandbox/sbx_1"]);
    // The spec goes out as written, plus the tag carrying the create's idempotency key.
    const key = s.requests[0]!.headers["idempotency-key"];
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.requests[0]!.json).toEqual({ ...spec, tags: { ...spec.tags, [IDEMPOTENCY_TAG]: key } });
    expect(s.requests[0]!.headers["content-type"]).toBe("application/json");
    expect(s.requests[0]!.headers.accept).toBe("application/json");
    expect(box).toBeInstanceOf(Sandbox);
    expect([box.id, box.name, box.phase]).toEqual(["sbx_1", "box", "creating"]);
  });

  test("the key sent, the replay flag and the request id are reported on the handle, not in its record", async () => {
    s.handle((_req, res) =>
      json(
        res,
        201,
        { id: "sbx_1", name: "box", status: record() },
        { "idempotent-replayed": "true", "x-request-id": "req_7" },
      ),
    );
    const box = await porter.sandboxes.create({ image: "alpine", name: "box" });
    expect(box.lastResponse).toEqual({
      status: 201,
      requestId: "req_7",
      attempts: 1,
      replayed: true,
      idempotencyKey: s.requests[0]!.headers["idempotency-key"],
    });
    expect(JSON.parse(JSON.stringify(box))).toEqual(record());
    expect(Object.keys(box)).not.toContain("lastResponse");
  });

  test("uses an embedded status record without a second request", async () => {
    s.handle((_req, res) => json(res, 201, { id: "sbx_1", name: "box", status: record({ tags: { a: "b" } }) }));
    const box = await porter.sandboxes.create({ image: "alpine", name: "box" });
    expect(s.requests).toHaveLength(1);
    expect(box.tags).toEqual({ a: "b" });
  });
});

describe("get", () => {
  test("resolves a name with the lookup endpoint once, then remembers it (names are never reused)", async () => {
    s.handle((req, res) =>
      req.path === "/v1/sandbox/lookup" ? json(res, 200, { id: "sbx_1" }) : json(res, 200, record()),
    );
    await porter.sandboxes.get("box");
    await porter.sandboxes.get("box");
    expect(s.requests.map(wire)).toEqual([
      "GET /v1/sandbox/lookup?name=box",
      "GET /v1/sandbox/sbx_1",
      "GET /v1/sandbox/sbx_1",
    ]);
  });

  test("an id goes straight to the status endpoint; a name-shaped id falls back after a lookup 404", async () => {
    s.handle((req, res) =>
      req.path === "/v1/sandbox/lookup"
        ? json(res, 404, { error: "no such name" })
        : json(res, 200, record({ id: req.path.split("/").pop()! })),
    );
    expect((await porter.sandboxes.get("sbx_1")).id).toBe("sbx_1");
    expect((await porter.sandboxes.get("0f8e2a")).id).toBe("0f8e2a");
    expect(s.requests.map(wire)).toEqual([
      "GET /v1/sandbox/sbx_1",
      "GET /v1/sandbox/lookup?name=0f8e2a",
      "GET /v1/sandbox/0f8e2a",
    ]);
  });

  test("an unknown name is a NotFoundError", async () => {
    s.handle((_req, res) => json(res, 404, { error: "sandbox not found" }));
    const err = await porter.sandboxes.get("nope").catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ statusCode: 404, code: "not_found" });
  });
});

describe("list", () => {
  const pages = (req: Recorded) => {
    const page = Number(req.query.get("page") ?? "1");
    const items = [record({ id: `sbx_${page}a`, name: `a${page}` }), record({ id: `sbx_${page}b`, name: `b${page}` })];
    return { sandboxes: items, pagination: { current_page: page, total_pages: 3, has_next_page: page < 3 } };
  };

  test("await gives one page: an array of handles with the pagination, sending the filters as the spec names them", async () => {
    s.handle((req, res) =>
      json(res, 200, { ...pages(req), filter_values: { phases: ["running"], images: ["alpine"], tags: { a: ["b"] } } }),
    );
    const page = await porter.sandboxes.list({
      tags: { workflow: "demo", team: "ml" },
      page: 2,
      phase: ["running", "failed"],
      image: "alpine",
      search: "a",
      include_filter_values: true,
    });
    expect(s.requests.map(wire)).toEqual([
      "GET /v1/sandbox?image=alpine&search=a&include_filter_values=true&page=2&tag=workflow%3Ddemo&tag=team%3Dml&phase=running&phase=failed",
    ]);
    expect(Array.isArray(page)).toBe(true);
    expect(page.map((b) => b.id)).toEqual(["sbx_2a", "sbx_2b"]);
    expect(page[0]).toBeInstanceOf(Sandbox);
    expect(page.pagination).toEqual({ current_page: 2, total_pages: 3, has_next_page: true });
    expect(page.filter_values?.images).toEqual(["alpine"]);
    expect(JSON.parse(JSON.stringify(page))).toHaveLength(2);
    const next = await page.getNextPage();
    expect(next.pagination.current_page).toBe(3);
    expect(next.hasNextPage()).toBe(false);
    const sent = s.requests.length;
    const past = await next.getNextPage().catch((e: unknown) => e);
    // A misuse is typed like any bad input (it was a RangeError), and nothing is sent for it.
    expect(past).toBeInstanceOf(ValidationError);
    expect(past).toMatchObject({
      code: "validation_error",
      issues: [{ path: "", message: "page 3 is the last page: check hasNextPage() first" }],
      message: "invalid call to getNextPage(): page 3 is the last page: check hasNextPage() first",
    });
    expect(s.requests).toHaveLength(sent);
  });

  test("by default asks for the live phases itself (Porter states no default), and sends the caller's phases as given", async () => {
    s.handle((req, res) => json(res, 200, pages(req)));
    await porter.sandboxes.list();
    await porter.sandboxes.list({ phase: "terminated" });
    expect(s.requests.map(wire)).toEqual([
      "GET /v1/sandbox?page=1&phase=queued&phase=creating&phase=running",
      "GET /v1/sandbox?page=1&phase=terminated",
    ]);
  });

  test("for await walks every page lazily, one request per page", async () => {
    s.handle((req, res) => json(res, 200, pages(req)));
    const seen: string[] = [];
    for await (const box of porter.sandboxes.list({ tags: { a: "b" } })) {
      seen.push(box.id);
      if (seen.length === 2) expect(s.requests).toHaveLength(1);
    }
    expect(seen).toEqual(["sbx_1a", "sbx_1b", "sbx_2a", "sbx_2b", "sbx_3a", "sbx_3b"]);
    expect(s.requests.map((r) => r.query.getAll("page"))).toEqual([["1"], ["2"], ["3"]]);
    expect(s.requests.every((r) => r.query.getAll("tag").join() === "a=b")).toBe(true);
  });

  test("no request is sent until the result is awaited or iterated, and only once", async () => {
    s.handle((req, res) => json(res, 200, pages(req)));
    const pending = porter.sandboxes.list();
    await new Promise((r) => setTimeout(r, 20));
    expect(s.requests).toHaveLength(0);
    await pending;
    await pending;
    expect(s.requests).toHaveLength(1);
  });
});

describe("terminate and counts", () => {
  test("terminate by name: lookup, DELETE, then the ended record; again on an ended sandbox it still succeeds", async () => {
    s.handle((req, res) => {
      if (req.path === "/v1/sandbox/lookup") return json(res, 200, { id: "sbx_9" });
      if (req.method === "DELETE") return void res.writeHead(204).end();
      json(res, 200, record({ id: "sbx_9", name: "job", phase: "terminated", exit_code: null }));
    });
    const ended = await porter.sandboxes.terminate("job");
    expect(ended).toBeInstanceOf(Sandbox);
    expect([ended.id, ended.phase]).toEqual(["sbx_9", "terminated"]);
    const again = await porter.sandboxes.terminate("job");
    expect(again.phase).toBe("terminated");
    expect(s.requests.map(wire)).toEqual([
      "GET /v1/sandbox/lookup?name=job",
      "DELETE /v1/sandbox/sbx_9",
      "GET /v1/sandbox/sbx_9",
      "DELETE /v1/sandbox/sbx_9",
      "GET /v1/sandbox/sbx_9",
    ]);
  });

  test("counts sends the same filters as list, without paging", async () => {
    s.handle((_req, res) =>
      json(res, 200, { points: [{ timestamp: "2026-11-22T00:00:00Z", count: 3 }], granularity_ms: 3_600_000 }),
    );
    const counts = await porter.sandboxes.counts({ tags: { a: "b" }, start_time: "2026-11-21T00:00:00Z" });
    expect(s.requests.map(wire)).toEqual(["GET /v1/sandbox/counts?start_time=2026-11-21T00%3A00%3A00Z&tag=a%3Db"]);
    expect(counts.points[0]!.count).toBe(3);
  });
});

describe("the Sandbox handle", () => {
  let box: Sandbox;
  beforeEach(async () => {
    s.handle((_req, res) => json(res, 200, record()));
    box = await porter.sandboxes.get("sbx_1");
    s.requests.length = 0;
  });

  test("exposes the status record with wire names, and serialises as it", () => {
    expect(box.toJSON()).toEqual(record());
    expect(JSON.parse(JSON.stringify(box))).toEqual(record());
    expect(box.created_at).toBe("2026-11-22T00:00:00Z");
  });

  test("refresh refetches and updates phase and tags", async () => {
    s.handle((_req, res) => json(res, 200, record({ phase: "succeeded", exit_code: 0, tags: { k: "v" } })));
    const status = await box.refresh();
    expect(status.phase).toBe("succeeded");
    expect([box.phase, box.exit_code, box.tags]).toEqual(["succeeded", 0, { k: "v" }]);
    expect(s.requests.map(wire)).toEqual(["GET /v1/sandbox/sbx_1"]);
  });

  test("exec posts the argv and returns a non-zero exit code as a result", async () => {
    s.handle((_req, res) => json(res, 200, { stdout: "", stderr: "boom\n", exit_code: 3 }));
    const result = await box.exec(["sh", "-c", "echo boom >&2; exit 3"]);
    expect(result).toEqual({ stdout: "", stderr: "boom\n", exit_code: 3 });
    expect(result.lastResponse).toMatchObject({ status: 200, attempts: 1, idempotencyKey: undefined, replayed: false });
    expect(s.requests.map(wire)).toEqual(["POST /v1/sandbox/sbx_1/exec"]);
    expect(s.requests[0]!.json).toEqual({ command: ["sh", "-c", "echo boom >&2; exit 3"] });
    expect(s.requests[0]!.headers["idempotency-key"]).toBeUndefined();
  });

  test("logs sends since and limit and returns typed lines", async () => {
    const line = { timestamp: "2026-11-22T00:00:01Z", line: "hi", level: "info", exec_id: "" };
    s.handle((_req, res) => json(res, 200, { sandbox_id: "sbx_1", logs: [line] }));
    expect(await box.logs({ since: "1h", limit: 100 })).toEqual([line]);
    expect(s.requests.map(wire)).toEqual(["GET /v1/sandbox/sbx_1/logs?since=1h&limit=100"]);
  });

  test("waitUntilRunning polls until running", async () => {
    let n = 0;
    s.handle((_req, res) => json(res, 200, record({ phase: n++ < 2 ? "creating" : "running" })));
    const starting = await porter.sandboxes.get("sbx_1");
    expect(starting.phase).toBe("creating");
    s.requests.length = 0;
    expect(await starting.waitUntilRunning()).toBe(starting);
    expect(starting.phase).toBe("running");
    expect(s.requests.map(wire)).toEqual(["GET /v1/sandbox/sbx_1", "GET /v1/sandbox/sbx_1"]);
  });

  test("waitUntilRunning fails fast when the sandbox ends instead, with its phase and exit code", async () => {
    s.handle((_req, res) => json(res, 200, record({ phase: "creating" })));
    const starting = await porter.sandboxes.get("sbx_1");
    s.handle((_req, res) => json(res, 200, record({ phase: "failed", exit_code: 2 })));
    const err = await starting.waitUntilRunning().catch((e) => e);
    expect(err).toBeInstanceOf(SandboxNotRunningError);
    expect(err).toMatchObject({ code: "sandbox_not_running", phase: "failed", exit_code: 2 });
    expect(err.message).toBe("sandbox box is failed with exit code 2; it will never run");
  });

  test("waitUntilRunning honours its timeout and an AbortSignal", async () => {
    s.handle((_req, res) => json(res, 200, record({ phase: "queued" })));
    const queued = await porter.sandboxes.get("sbx_1");
    await expect(queued.waitUntilRunning({ timeoutMs: 300 })).rejects.toBeInstanceOf(SandboxTimeoutError);
    const ctl = new AbortController();
    const waiting = queued.waitUntilRunning({ signal: ctl.signal }).catch((e) => e);
    setTimeout(() => ctl.abort(), 20);
    expect(await waiting).toBeInstanceOf(RequestAbortedError);
  });

  test("terminate returns the handle with the ended record", async () => {
    s.handle((req, res) =>
      req.method === "DELETE" ? void res.writeHead(204).end() : json(res, 200, record({ phase: "terminated" })),
    );
    expect(await box.terminate()).toBe(box);
    expect(box.phase).toBe("terminated");
    expect(s.requests.map(wire)).toEqual(["DELETE /v1/sandbox/sbx_1", "GET /v1/sandbox/sbx_1"]);
  });

  test("await using terminates the remote sandbox at scope exit", async () => {
    s.handle((req, res) =>
      req.method === "DELETE"
        ? void res.writeHead(204).end()
        : json(
            res,
            200,
            record({
              phase: req.method === "GET" && s.requests.some((r) => r.method === "DELETE") ? "terminated" : "running",
            }),
          ),
    );
    {
      await using scoped = await porter.sandboxes.get("sbx_1");
      expect(scoped.phase).toBe("running");
    }
    expect(s.requests.map(wire)).toEqual([
      "GET /v1/sandbox/sbx_1",
      "DELETE /v1/sandbox/sbx_1",
      "GET /v1/sandbox/sbx_1",
    ]);
  });
});

describe("health, readiness and the error classes", () => {
  test("healthCheck and readinessCheck", async () => {
    s.handle((req, res) =>
      json(res, 200, req.path === "/healthz" ? { status: "ok" } : { status: "ready", active_sandboxes: 2 }),
    );
    expect(await porter.healthz.healthCheck()).toEqual({ status: "ok" });
    expect(await porter.readyz.readinessCheck()).toEqual({ status: "ready", active_sandboxes: 2 });
    expect(s.requests.map(wire)).toEqual(["GET /healthz", "GET /readyz"]);
  });

  test.each([
    [400, BadRequestError, "invalid_request"],
    [401, AuthenticationError, "unauthenticated"],
    [403, PermissionDeniedError, "forbidden"],
    [404, NotFoundError, "not_found"],
    [409, ConflictError, "conflict"],
    [429, RateLimitError, "rate_limited"],
    [500, ServerError, "internal_error"],
    [503, ServerError, "internal_error"],
    [418, SandboxError, "unexpected_status"],
  ])("%i becomes %o with code %s, status, body and request id", async (status, Class, code) => {
    s.handle((_req, res) => json(res, status, { error: "it went wrong" }, { "x-request-id": "req_1" }));
    const err = await new Porter({ baseUrl: s.url, maxRetries: 0 }).sandboxes.get("sbx_1").catch((e) => e);
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(SandboxError);
    expect(err).toMatchObject({
      statusCode: status,
      code,
      body: { error: "it went wrong" },
      requestId: "req_1",
      attempts: 1,
    });
    expect(err.message).toBe(`${status} ${code}: it went wrong (request req_1)`);
  });
});
