// Prism in proxy mode in front of the local server: a full flow through the SDK, every response
// recorded as it came back. Prism validates each request against the spec (422 when one breaks it)
// and each response of the local server (`sl-violations` header when one breaks it).
// Prism's proxy follows an upstream redirect itself, so the local server's 307 for a file write never
// reaches a client behind it: the last test sends a write to the local server directly to see it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, Porter } from "../../src/index.js";
import { startLocalServer, type LocalServer } from "../../src/local/index.js";
import { route } from "../../src/local/router.js";
import { operationIds } from "../contract/spec.js";
import { startPrism, type Prism } from "../helpers/prism.js";

interface Seen {
  operation: string;
  method: string;
  path: string;
  status: number;
  violations: string | null;
}

let server: LocalServer;
let prism: Prism;
let porter: Porter;
let recording: typeof fetch;
const seen: Seen[] = [];

beforeAll(async () => {
  server = await startLocalServer({ quiet: true, startDelayMs: 5 });
  prism = await startPrism("proxy", server.url);
  recording = async (input, init) => {
    const res = await fetch(input, init);
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? "GET";
    seen.push({
      operation: route(method, url.pathname).op,
      method,
      path: url.pathname + url.search,
      status: res.status,
      violations: res.headers.get("sl-violations"),
    });
    return res;
  };
  porter = new Porter({ baseUrl: prism.url, fetch: recording, maxRetries: 0 });
});

afterAll(async () => {
  porter?.close();
  await prism?.stop();
  await server?.close();
});

const bytes = (text: string) => new TextEncoder().encode(text);

describe("Prism proxy in front of the local server", () => {
  it("sees no violation in either direction over a flow that covers every operation", async () => {
    const raw = porter.raw;
    await porter.healthz.healthCheck();
    await porter.readyz.readinessCheck();

    const volume = await porter.volumes.create({ name: "prism-data" });
    expect(volume.type).toBe("disk");
    expect(volume.path).not.toBe("");
    expect((await porter.volumes.get("prism-data")).id).toBe(volume.id);
    expect((await porter.volumes.list()).map((v) => v.id)).toContain(volume.id);

    const sandbox = await porter.sandboxes.create({
      image: "alpine:3.20",
      name: "prism-flow",
      command: ["sleep", "30"],
      env: { GREETING: "hello" },
      tags: { suite: "prism" },
      volume_mounts: { "/mnt/data": volume.id },
      networking: [{ port: 8080, domains: [{ visibility: "private" }] }],
      resources: { cpu: "500m", memory: "512Mi" },
      ttl_seconds: 60,
    });
    await sandbox.waitUntilRunning();
    // A second client, whose name cache is empty, so the name goes through the lookup endpoint.
    const fresh = new Porter({ baseUrl: prism.url, fetch: recording, maxRetries: 0 });
    expect((await fresh.sandboxes.get("prism-flow")).id).toBe(sandbox.id);
    fresh.close();
    const result = await sandbox.exec(["sh", "-c", 'echo "$GREETING"; echo warn >&2; exit 3']);
    expect(result).toEqual({ stdout: "hello\n", stderr: "warn\n", exit_code: 3 });
    expect((await sandbox.logs({ since: "1h", limit: 10 })).map((l) => l.line)).toEqual(["hello", "warn"]);
    const page = await porter.sandboxes.list({ tags: { suite: "prism" }, include_filter_values: true });
    expect(page.map((s) => s.id)).toEqual([sandbox.id]);
    expect((await porter.sandboxes.counts({ tags: { suite: "prism" } })).points.reduce((n, p) => n + p.count, 0)).toBe(
      1,
    );

    const summary = await raw.GET("/v1/sandbox/{id}/metrics-summary", {
      params: { path: { id: sandbox.id }, query: { since: "1h" } },
    });
    expect(summary.data).toMatchObject({ window_seconds: 3600, cpu_limit_cores: 0.5, mem_limit_bytes: 512 * 2 ** 20 });
    const end = new Date();
    const start = new Date(end.getTime() - 600_000);
    const metrics = await raw.GET("/v1/sandbox/{id}/metrics", {
      params: {
        path: { id: sandbox.id },
        query: { metric: "memory_usage", start_time_utc: start.toISOString(), end_time_utc: end.toISOString() },
      },
    });
    expect(metrics.data?.results).toHaveLength(1);

    const snap = await raw.POST("/v1/sandbox/{id}/snapshot", {
      params: { path: { id: sandbox.id } },
      body: { mode: "filesystem" },
    });
    expect(snap.response.status).toBe(201);
    const snaps = await raw.GET("/v1/snapshot", { params: { query: { sandbox_id: sandbox.id } } });
    expect(snaps.data?.snapshots.map((s) => [s.id, s.sandbox_id, s.mode])).toEqual([
      [snap.data!.id, sandbox.id, "filesystem"],
    ]);
    expect((await raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: snap.data!.id } } })).response.status).toBe(
      204,
    );

    const write = await raw.PUT("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/a.txt" } },
      body: bytes("0123456789") as never,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(write.response.status).toBe(204);
    const tree = await raw.GET("/v1/volume/{id}/files", { params: { path: { id: volume.id } } });
    expect(tree.data?.entries.map((e) => [e.name, e.entries?.map((c) => c.name)])).toEqual([["dir", ["a.txt"]]]);
    const listing = await raw.GET("/v1/volume/{id}/files", {
      params: { path: { id: volume.id }, query: { path: "dir", search: "A." } },
    });
    expect(listing.data?.entries.map((e) => e.name)).toEqual(["a.txt"]);
    const part = await raw.GET("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/a.txt" }, header: { Range: "bytes=2-4" } },
      parseAs: "text",
    });
    expect([part.response.status, part.data]).toEqual([206, "234"]);
    const whole = await raw.GET("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/a.txt" } },
      parseAs: "text",
    });
    expect(whole.data).toBe("0123456789");
    const past = await raw.GET("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/a.txt" }, header: { Range: "bytes=99-" } },
    });
    expect(past.response.status).toBe(416);
    const suffix = await raw.GET("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/a.txt" }, header: { Range: "bytes=-3" } },
      parseAs: "text",
    });
    expect([suffix.response.status, suffix.data]).toEqual([206, "789"]);
    // A ranged read of an empty file comes back whole: 200 and no Content-Range. The sandbox makes the
    // file: Prism refuses a PUT with an empty body (422 "Body parameter is required").
    expect((await sandbox.exec(["sh", "-c", ": > mnt/data/empty.txt"])).exit_code).toBe(0);
    const empty = await raw.GET("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "empty.txt" }, header: { Range: "bytes=0-15" } },
      parseAs: "text",
    });
    // (No `data`: porter.raw, like openapi-fetch, gives none for an empty body.)
    expect([empty.response.status, empty.response.headers.get("content-range"), empty.data]).toEqual([
      200,
      null,
      undefined,
    ]);
    const move = await raw.POST("/v1/volume/{id}/files/move", {
      params: { path: { id: volume.id } },
      body: { from: "dir/a.txt", to: "b.txt" },
    });
    expect(move.response.status).toBe(204);
    const again = await raw.POST("/v1/volume/{id}/files/move", {
      params: { path: { id: volume.id } },
      body: { from: "b.txt", to: "b.txt" },
    });
    expect(again.response.status).toBe(409);
    await raw.PUT("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/c.txt" } },
      body: bytes("c") as never,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: { "content-type": "application/octet-stream" },
    });
    const moveDir = await raw.POST("/v1/volume/{id}/files/move", {
      params: { path: { id: volume.id } },
      body: { from: "dir", to: "moved" },
    });
    expect(moveDir.response.status).toBe(204);
    expect((await sandbox.exec(["cat", "mnt/data/moved/c.txt"])).stdout).toBe("c");
    expect((await sandbox.exec(["cat", "mnt/data/b.txt"])).stdout).toBe("0123456789");

    await expect(porter.volumes.delete(volume.id)).rejects.toBeInstanceOf(ConflictError);
    await expect(porter.sandboxes.create({ image: "alpine:3.20", name: "prism-flow" })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(porter.sandboxes.get("sbx_missing")).rejects.toBeInstanceOf(NotFoundError);
    await sandbox.terminate();
    await expect(sandbox.exec(["true"])).rejects.toBeInstanceOf(ConflictError);
    await porter.sandboxes.terminate(sandbox.id);
    await porter.volumes.delete(volume.id);
    await expect(porter.volumes.get(volume.id)).rejects.toBeInstanceOf(NotFoundError);

    // With --errors, Prism answers a violating response with 500 and an `sl-violations` header.
    const problems = seen.filter((s) => s.violations !== null || s.status === 422 || s.status >= 500);
    expect(problems).toEqual([]);
    const operations = new Set(seen.map((s) => s.operation));
    expect([...operations].sort()).toEqual([...operationIds].sort());
    // Error answers went through Prism too, and were checked against the spec like the others. No 307:
    // Prism's proxy follows the local server's redirect of a write itself (see the last test).
    expect(new Set(seen.map((s) => s.status))).toEqual(new Set([200, 201, 202, 204, 206, 404, 409, 416]));
  });

  it("is really checking: a request that breaks the spec is refused by Prism with 422 and its violations", async () => {
    const res = await fetch(`${prism.url}/v1/sandbox?page=0`);
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain("page");
  });

  it("a write the local server answers 307 is sent again, same method and body, to its Location (directly: Prism follows it itself)", async () => {
    const hops: { method: string; url: URL; body: string; status: number; location: string | null }[] = [];
    // Sends exactly what the SDK asked for; reads a copy of the body (a Uint8Array here) for the record.
    const direct: typeof fetch = async (input, init) => {
      const body = init?.body ? await new Response(init.body).text() : "";
      const res = await fetch(input, init);
      const url = new URL(input instanceof Request ? input.url : input);
      hops.push({
        method: init?.method ?? "GET",
        url,
        body,
        status: res.status,
        location: res.headers.get("location"),
      });
      return res;
    };
    await using local = new Porter({ baseUrl: server.url, fetch: direct, maxRetries: 0 });
    const volume = await local.volumes.create({ name: "prism-redirect" });
    await volume.writeText("notes/a.txt", "redirected\n");
    const [first, second, ...more] = hops.filter((h) => h.method === "PUT");
    expect(first).toMatchObject({ status: 307, body: "redirected\n" });
    expect([first!.url.pathname, first!.url.searchParams.get("path")]).toEqual([
      `/v1/volume/${volume.id}/files/content`,
      "notes/a.txt",
    ]);
    expect(second).toMatchObject({ url: new URL(first!.location!, first!.url), status: 204, body: "redirected\n" });
    expect(more).toEqual([]);
    // Written where the API said: read back through Prism, checked against the spec.
    expect(await (await porter.volumes.get(volume.id)).readText("notes/a.txt")).toBe("redirected\n");
    await local.volumes.delete(volume.id);
  });
});
