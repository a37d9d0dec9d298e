// Requests that break the spec get 400 with the error body (sent with raw fetch, past the SDK's own
// validation), never a crash; the optional bearer token is enforced on every endpoint.
import { describe, expect, it } from "vitest";
import { AuthenticationError, Porter } from "../../src/index.js";
import { json, useServer } from "./harness.js";

describe("request validation", () => {
  const h = useServer();

  const bad: [string, string, RequestInit | undefined, string][] = [
    ["bad name", "/v1/sandbox/run", json({ image: "alpine", name: "Not_A_Label" }), "name: must be a DNS label"],
    [
      "unknown field",
      "/v1/sandbox/run",
      json({ image: "alpine", volumeMounts: {} }),
      "volumeMounts: is not a known field",
    ],
    ["missing image", "/v1/sandbox/run", json({ name: "x" }), "image: is required"],
    [
      "too many tags",
      "/v1/sandbox/run",
      json({ image: "a", tags: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }),
      "tags",
    ],
    [
      "tags over 4096 bytes",
      "/v1/sandbox/run",
      json({ image: "a", tags: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "é".repeat(250)])) }),
      "must total at most 4096 bytes",
    ],
    [
      "relative mount path",
      "/v1/sandbox/run",
      json({ image: "a", volume_mounts: { "mnt/x": "vol_1" } }),
      "must be an absolute path",
    ],
    ["ttl fraction", "/v1/sandbox/run", json({ image: "a", ttl_seconds: 1.5 }), "ttl_seconds"],
    ["two ports", "/v1/sandbox/run", json({ image: "a", networking: [{ port: 8080 }, { port: 8081 }] }), "networking"],
    ["low port", "/v1/sandbox/run", json({ image: "a", networking: [{ port: 80 }] }), "networking[0].port"],
    [
      "not JSON",
      "/v1/sandbox/run",
      { method: "POST", body: "{nope", headers: { "content-type": "application/json" } },
      "not valid JSON",
    ],
    ["no body", "/v1/sandbox/run", { method: "POST" }, "a JSON request body is required"],
    ["JSON array", "/v1/sandbox/run", json([]), "expected object"],
    ["empty idempotency key", "/v1/volume", json({}, { "idempotency-key": "" }), "Idempotency-Key"],
    ["volume name", "/v1/volume", json({ name: "-x" }), "name: must be a DNS label"],
    ["empty exec", "/v1/sandbox/sbx_x/exec", json({ command: [] }), "command: must name the program to run"],
    ["exec string", "/v1/sandbox/sbx_x/exec", json({ command: "ls -la" }), "command"],
    ["snapshot field", "/v1/sandbox/sbx_x/snapshot", json({ label: "x" }), "label: is not a known field"],
    [
      "move ..",
      "/v1/volume/vol_x/files/move",
      json({ from: "a", to: "../b" }),
      'to: must be a path on the volume without ".." segments',
    ],
    ["page zero", "/v1/sandbox?page=0", undefined, "page"],
    ["page text", "/v1/sandbox?page=two", undefined, "page"],
    ["phase", "/v1/sandbox?phase=sleeping", undefined, "phase[0]"],
    ["tag without =", "/v1/sandbox?tag=novalue", undefined, "tag[0]: must be key=value"],
    ["start_time", "/v1/sandbox?start_time=yesterday", undefined, "start_time: must be an RFC 3339 timestamp"],
    ["include_filter_values", "/v1/sandbox?include_filter_values=yes", undefined, "include_filter_values"],
    ["count end_time", "/v1/sandbox/counts?end_time=2025-13-45", undefined, "end_time"],
    ["lookup without name", "/v1/sandbox/lookup", undefined, "name: is required"],
    ["lookup name", "/v1/volume/lookup?name=a%2Fb", undefined, "name: must be a name or an id"],
    ["logs since", "/v1/sandbox/sbx_x/logs?since=an%20hour", undefined, 'since: must be a duration such as "1h"'],
    ["logs limit", "/v1/sandbox/sbx_x/logs?limit=-1", undefined, "limit"],
    ["snapshot mode", "/v1/sandbox/sbx_x/snapshot", json({ mode: 3 }), "mode"],
    ["volume type", "/v1/volume", json({ type: "tape" }), "type"],
    ["object access", "/v1/volume", json({ type: "object", object: { bucket: "b", access: "all" } }), "object.access"],
    [
      "metrics since",
      "/v1/sandbox/sbx_x/metrics-summary?since=soon",
      undefined,
      'since: must be a duration such as "1h"',
    ],
    [
      "metric name",
      "/v1/sandbox/sbx_x/metrics?metric=disk&start_time_utc=2025-01-01T00:00:00Z&end_time_utc=2025-01-01T01:00:00Z",
      undefined,
      "metric",
    ],
    [
      "metrics time",
      "/v1/sandbox/sbx_x/metrics?metric=cpu_usage&start_time_utc=today&end_time_utc=2025-01-01T01:00:00Z",
      undefined,
      "start_time_utc: must be an RFC 3339 timestamp",
    ],
    [
      "metrics range",
      "/v1/sandbox/sbx_x/metrics?metric=cpu_usage&start_time_utc=2025-01-01T02:00:00Z&end_time_utc=2025-01-01T01:00:00Z",
      undefined,
      "end_time_utc: must not be before start_time_utc",
    ],
    ["id pattern", "/v1/sandbox/-x", undefined, "id: must be an id"],
    ["id with a leading dot", "/v1/volume/.hidden", undefined, "id: must be an id"],
    ["snapshot filter", "/v1/snapshot?sandbox_id=a%2Fb", undefined, "sandbox_id"],
    ["file path required", "/v1/volume/vol_x/files/content", undefined, "path: is required"],
  ];

  it.each(bad)("%s → 400 invalid_request", async (_what, path, init, message) => {
    const res = await h.http(path, init);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{16}$/);
    const body = await res.json();
    expect(body.code).toBe("invalid_request");
    expect(body.error).toContain(message);
  });

  it("keeps answering after every bad request, and answers unknown endpoints and methods", async () => {
    expect((await h.http("/healthz")).status).toBe(200);
    const unknown = await h.http("/v2/anything");
    expect([unknown.status, (await unknown.json()).code]).toEqual([404, "not_found"]);
    const method = await h.http("/v1/volume", { method: "PATCH" });
    expect([method.status, method.headers.get("allow")]).toEqual([405, "GET, POST"]);
  });

  it("counts characters, not UTF-16 units: a tag value of 512 emoji fits, 513 does not", async () => {
    const ok = await h.http("/v1/sandbox/run", json({ image: "alpine", tags: { e: "😀".repeat(512) } }));
    expect(ok.status).toBe(202);
    const over = await h.http("/v1/sandbox/run", json({ image: "alpine", tags: { e: "😀".repeat(513) } }));
    expect([over.status, (await over.json()).error]).toEqual([
      400,
      "invalid request: tags.e: must be at most 512 characters",
    ]);
    const emptyKey = await h.http("/v1/sandbox/run", json({ image: "alpine", tags: { "": "v" } }));
    expect((await emptyKey.json()).error).toBe('invalid request: tags[""]: key: must be at least 1 character');
  });

  it("accepts a body at the limits: 16 tags of 4096 bytes in all", async () => {
    const tags = Object.fromEntries(
      Array.from({ length: 16 }, (_, i) => [`k${String(i).padStart(2, "0")}`, "v".repeat(253)]),
    );
    const res = await h.http("/v1/sandbox/run", json({ image: "alpine", tags }));
    expect(res.status).toBe(202);
  });
});

describe("bearer token", () => {
  const h = useServer({ token: "s3cret" }, { apiKey: "s3cret" });

  it("refuses requests without the token, or with another, with 401 on every endpoint", async () => {
    for (const [path, headers] of [
      ["/healthz", {}],
      ["/v1/sandbox", { authorization: "Bearer wrong" }],
      ["/v1/volume", { authorization: "s3cret" }],
      ["/v1/sandbox/nope/logs", { authorization: "Bearer s3cret2" }],
    ] as const) {
      const res = await h.http(path, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      expect(await res.json()).toEqual({ error: "missing or invalid API token", code: "unauthenticated" });
    }
  });

  it("lets the SDK in with the token, and raises AuthenticationError without it", async () => {
    expect(await h.porter.healthz.healthCheck()).toEqual({ status: "ok" });
    const s = await h.porter.sandboxes.create({ image: "alpine" });
    expect(s.phase).toBe("creating");
    const anonymous = new Porter({ baseUrl: h.server.url });
    await expect(anonymous.sandboxes.list()).rejects.toBeInstanceOf(AuthenticationError);
    anonymous.close();
  });
});
