// porter.raw: openapi-fetch's calling convention over the spec's operations and the SDK's transport,
// checked on the wire against a real loopback server, beside createRawClient (openapi-fetch itself) where
// the two must agree.
import { describe, expect, test } from "vitest";
import { createRawClient, Porter, RequestAbortedError, SandboxError, ValidationError } from "../../src/index.js";
import { json, useServers } from "../helpers/http.js";

const serve = useServers();
const fast = { retryDelayMs: 1, maxRetryDelayMs: 5 };
const APIKEY = "raw-test-key";

describe("requests", () => {
  test("parameters, query arrays and headers from headers and params.header go on the wire", async () => {
    const s = await serve((_req, res) =>
      json(res, 200, { sandboxes: [], pagination: { current_page: 2, total_pages: 2, total_items: 0 } }),
    );
    const porter = new Porter({ baseUrl: `${s.url}/`, apiKey: APIKEY });
    await porter.raw.GET("/v1/sandbox", {
      params: { query: { page: 2, tag: ["team=ml", "a b=c&d"] } },
      headers: { "X-Trace": "t-1" },
    });
    await porter.raw.GET("/v1/sandbox/{id}", { params: { path: { id: "sbx_01.a-b" } } });
    await porter.raw.GET("/v1/volume/{id}/files/content", {
      params: { path: { id: "vol_1" }, query: { path: "a b.txt" }, header: { Range: "bytes=0-3" } },
    });
    const [list, get, read] = s.requests;
    expect(list!.path).toBe("/v1/sandbox");
    expect(list!.query.getAll("tag")).toEqual(["team=ml", "a b=c&d"]);
    expect(list!.query.get("page")).toBe("2");
    expect(list!.headers["x-trace"]).toBe("t-1");
    expect(list!.headers.authorization).toBe(`Bearer ${APIKEY}`);
    expect(list!.headers["user-agent"]).toMatch(/^porter-sandbox-typescript\//);
    expect(list!.headers["content-type"]).toBeUndefined();
    expect(get!.url).toBe("/v1/sandbox/sbx_01.a-b");
    expect(read!.query.get("path")).toBe("a b.txt");
    expect(read!.headers.range).toBe("bytes=0-3");
  });

  test("a body is sent as JSON with application/json unless the caller sets a content type or a bodySerializer", async () => {
    const s = await serve((_req, res) => json(res, 200, { path: "a.txt", size: 2 }));
    const porter = new Porter({ baseUrl: s.url });
    await porter.raw.POST("/v1/volume/{id}/files/move", {
      params: { path: { id: "vol_1" } },
      body: { from: "a", to: "b" },
    });
    await porter.raw.PUT("/v1/volume/{id}/files/content", {
      params: { path: { id: "vol_1" }, query: { path: "a.txt" } },
      body: "hi",
      headers: { "Content-Type": "application/octet-stream" },
      bodySerializer: (body: unknown) => new TextEncoder().encode(body as string),
    });
    expect(s.requests[0]!.headers["content-type"]).toBe("application/json");
    expect(s.requests[0]!.json).toEqual({ from: "a", to: "b" });
    expect(s.requests[1]!.headers["content-type"]).toBe("application/octet-stream");
    expect(s.requests[1]!.body.toString()).toBe("hi");
  });

  test("a create gets one Idempotency-Key, made before the first attempt and sent on every retry", async () => {
    let n = 0;
    // A 503 with Retry-After says the server did nothing: the one failure after which a raw create is sent again.
    const s = await serve((_req, res) =>
      ++n < 3
        ? json(res, 503, { error: "busy" }, { "retry-after": "0" })
        : json(res, 201, { id: "sbx_1", name: "box" }),
    );
    const porter = new Porter({ baseUrl: s.url, ...fast });
    const { data, response } = await porter.raw.POST("/v1/sandbox/run", { body: { image: "alpine", name: "box" } });
    expect(data).toEqual({ id: "sbx_1", name: "box" });
    expect(response.status).toBe(201);
    const keys = s.requests.map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(new Set(keys).size).toBe(1);
  });

  test("a raw create is not sent again after a 500 or a lost connection: Porter's API does not deduplicate creates", async () => {
    const s = await serve((_req, res) => json(res, 500, { error: "oops" }));
    const porter = new Porter({ baseUrl: s.url, ...fast });
    const { error } = await porter.raw.POST("/v1/sandbox/run", { body: { image: "alpine" } });
    expect(error).toEqual({ error: "oops" });
    const dropped = await serve((_req, _res, raw) => void raw.socket.destroy());
    await expect(new Porter({ baseUrl: dropped.url, ...fast }).raw.POST("/v1/volume", { body: {} })).rejects.toThrow();
    expect([s.requests.length, dropped.requests.length]).toEqual([1, 1]);
  });

  test("a caller's Idempotency-Key on a create is sent as given on every retry; params.header wins over headers", async () => {
    let n = 0;
    const s = await serve((_req, res) =>
      ++n < 2
        ? json(res, 503, { error: "busy" }, { "retry-after": "0" })
        : json(res, 201, { id: "sbx_1", name: "box" }),
    );
    const porter = new Porter({ baseUrl: s.url, ...fast });
    await porter.raw.POST("/v1/sandbox/run", { body: { image: "alpine" }, headers: { "Idempotency-Key": "run-1" } });
    expect(s.requests.map((r) => r.headers["idempotency-key"])).toEqual(["run-1", "run-1"]);
    await porter.raw.POST("/v1/sandbox/run", {
      body: { image: "alpine" },
      params: { header: { "Idempotency-Key": "from-params" } },
      headers: { "idempotency-key": "from-headers", "X-Trace": "t-2" },
    });
    expect(s.requests[2]!.headers["idempotency-key"]).toBe("from-params");
    expect(s.requests[2]!.headers["x-trace"]).toBe("t-2");
  });

  test("a key does not make a POST the API does not deduplicate safe to send again: an exec runs once", async () => {
    const s = await serve((_req, res) => json(res, 500, { error: "down" }));
    const porter = new Porter({ baseUrl: s.url, ...fast });
    const { error, response } = await porter.raw.POST("/v1/sandbox/{id}/exec", {
      params: { path: { id: "sbx_1" } },
      body: { command: ["make", "deploy"] },
      headers: { "Idempotency-Key": "deploy-1" },
    });
    expect(response.status).toBe(500);
    expect(error).toEqual({ error: "down" });
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]!.headers["idempotency-key"]).toBe("deploy-1");
  });

  test("a POST without a key that may have reached the server is not sent again", async () => {
    const s = await serve((_req, _res, raw) => void raw.socket.destroy());
    const porter = new Porter({ baseUrl: s.url, ...fast });
    await expect(
      porter.raw.POST("/v1/sandbox/{id}/exec", { params: { path: { id: "sbx_1" } }, body: { command: ["true"] } }),
    ).rejects.toMatchObject({
      code: "connection_error",
    });
    expect(s.requests).toHaveLength(1);
  });

  test("the caller's signal aborts the request", async () => {
    const s = await serve(() => undefined);
    const porter = new Porter({ baseUrl: s.url });
    const controller = new AbortController();
    const call = porter.raw.GET("/healthz", { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toBeInstanceOf(RequestAbortedError);
  });
});

describe("refused before sending", () => {
  test("an option porter.raw does not honour is a ValidationError naming it, never dropped", async () => {
    const s = await serve((_req, res) => json(res, 200, { status: "ok" }));
    const porter = new Porter({ baseUrl: s.url });
    for (const option of ["cache", "middleware", "fetch", "querySerializer", "redirect", "baseUrl"]) {
      const error = await porter.raw
        .GET("/healthz", { [option]: undefined } as Record<string, unknown>)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([
        { path: option, message: "is not supported; createRawClient() takes every openapi-fetch option" },
      ]);
      expect((error as Error).message).toMatch(/^invalid porter\.raw\.GET\("\/healthz"\): /);
    }
    // Every refused option at once, and a parseAs that names no way to read a body (it failed later, with
    // "response[parseAs] is not a function").
    const several = await porter.raw
      .GET("/healthz", { cache: "no-store", parseAs: "xml" } as never)
      .catch((e: unknown) => e);
    expect((several as ValidationError).issues).toEqual([
      { path: "cache", message: "is not supported; createRawClient() takes every openapi-fetch option" },
      { path: "parseAs", message: 'must be one of "json", "text", "blob", "arrayBuffer", "stream"' },
    ]);
    expect(s.requests).toHaveLength(0);
  });

  test("input that breaks the spec is a ValidationError naming the field and the rule", async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    const porter = new Porter({ baseUrl: s.url });
    const missing = await porter.raw
      .GET("/v1/sandbox/{id}", { params: { path: {} } } as never)
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ValidationError);
    expect((missing as ValidationError).issues).toEqual([{ path: "id", message: "is required" }]);
    expect((missing as Error).message).toContain('porter.raw.GET("/v1/sandbox/{id}")');
    // An id that would climb out of its path segment never reaches the URL.
    const escaping = await porter.raw
      .GET("/v1/sandbox/{id}", { params: { path: { id: "../volume" } } })
      .catch((e: unknown) => e);
    expect((escaping as ValidationError).issues).toEqual([
      { path: "id", message: expect.stringMatching(/^must be an id/) },
    ]);
    const body = await porter.raw
      .POST("/v1/sandbox/run", { body: { image: "alpine", networking: [{ port: 80 }] } })
      .catch((e: unknown) => e);
    expect((body as ValidationError).issues).toEqual([
      { path: "networking[0].port", message: "must be at least 1024" },
    ]);
    expect(s.requests).toHaveLength(0);
  });

  test("a method and path the spec does not have is a ValidationError", async () => {
    const porter = new Porter({ baseUrl: "http://127.0.0.1:9" });
    const raw = porter.raw as unknown as Record<string, (path: string) => Promise<unknown>>;
    const error = await raw.GET!("/v1/sandboxes").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      code: "validation_error",
      issues: [{ path: "", message: "the spec has no such operation" }],
      message: 'invalid porter.raw.GET("/v1/sandboxes"): the spec has no such operation',
    });
    await expect(raw.PUT!("/v1/sandbox/{id}")).rejects.toThrow(ValidationError);
    expect(Object.keys(porter.raw).sort()).toEqual(["DELETE", "GET", "POST", "PUT"]);
  });

  test("porter.raw has no middleware: that is createRawClient's", () => {
    const porter = new Porter({ baseUrl: "http://127.0.0.1:9" });
    expect("use" in porter.raw).toBe(false);
    expect(typeof createRawClient({ baseUrl: "http://127.0.0.1:9" }).use).toBe("function");
  });
});

describe("answers read as openapi-fetch reads them", () => {
  const cases: { name: string; status: number; body: string; parseAs?: "json" | "text" | "arrayBuffer" }[] = [
    { name: "JSON data", status: 200, body: '{"status":"ok"}' },
    { name: "an empty 200", status: 200, body: "" },
    { name: "204", status: 204, body: "" },
    { name: "text data", status: 200, body: "plain words", parseAs: "text" },
    { name: "a JSON error", status: 404, body: '{"error":"no such sandbox","code":"not_found"}' },
    { name: "a non-JSON error", status: 400, body: "<html>bad</html>" },
    { name: "an empty error", status: 400, body: "" },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const s = await serve((_req, res) => {
        res.writeHead(c.status, { "content-type": c.body.startsWith("{") ? "application/json" : "text/plain" });
        res.end(c.body);
      });
      const porter = new Porter({ baseUrl: s.url, maxRetries: 0 });
      const reference = createRawClient({ baseUrl: s.url });
      const init = c.parseAs ? { parseAs: c.parseAs } : {};
      const ours = (await porter.raw.GET("/healthz", init)) as Record<string, unknown>;
      const theirs = (await reference.GET("/healthz", init)) as Record<string, unknown>;
      expect({ data: ours.data, error: ours.error, keys: Object.keys(ours).sort() }).toEqual({
        data: theirs.data,
        error: theirs.error,
        keys: Object.keys(theirs).sort(),
      });
      expect((ours.response as Response).status).toBe(c.status);
    });
  }

  test("parseAs stream gives a stream for an empty answer without Content-Length, as openapi-fetch does", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "transfer-encoding": "chunked" });
      res.end();
    });
    const ours = await new Porter({ baseUrl: s.url }).raw.GET("/healthz", { parseAs: "stream" });
    const theirs = await createRawClient({ baseUrl: s.url }).GET("/healthz", { parseAs: "stream" });
    expect(theirs.data).toBeInstanceOf(ReadableStream);
    expect(ours.data).toBeInstanceOf(ReadableStream);
    expect(await new Response(ours.data as ReadableStream).text()).toBe("");
  });

  test("a 2xx that is not JSON is a SandboxError with the status and an excerpt, not a SyntaxError", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html", "x-request-id": "req_1" });
      res.end("<html>proxy login</html>");
    });
    const error = await new Porter({ baseUrl: s.url, maxRetries: 0 }).raw.GET("/healthz").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxError);
    expect(error).toMatchObject({
      code: "unexpected_status",
      statusCode: 200,
      requestId: "req_1",
      body: "proxy login",
      message: "200 response is not JSON: proxy login",
    });
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  test("parseAs stream hands over the body unread", async () => {
    const s = await serve((_req, res) => void res.end("streamed"));
    const { data } = await new Porter({ baseUrl: s.url }).raw.GET("/healthz", { parseAs: "stream" });
    expect(await new Response(data as ReadableStream).text()).toBe("streamed");
  });
});
