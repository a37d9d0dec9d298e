// Prism in proxy mode in front of the local server: a full flow through the SDK, every response
// recorded as it came back. Prism validates each request against the spec (422 when one breaks it)
// and each response of the local server (`sl-violations` header when one breaks it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, Porter } from "../../src/index.js";
import { startLocalServer, type LocalServer } from "../../src/local/index.js";
import { route } from "../../src/local/router.js";
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
    seen.push({ operation: route(method, url.pathname).op, method, path: url.pathname + url.search, status: res.status, violations: res.headers.get("sl-violations") });
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
    await sandbox.waitUntilRunning({ pollIntervalMs: 10 });
    // A second client, whose name cache is empty, so the name goes through the lookup endpoint.
    const fresh = new Porter({ baseUrl: prism.url, fetch: recording, maxRetries: 0 });
    expect((await fresh.sandboxes.get("prism-flow")).id).toBe(sandbox.id);
    fresh.close();
    const result = await sandbox.exec(["sh", "-c", 'echo "$GREETING"; echo warn >&2; exit 3']);
    expect(result).toEqual({ stdout: "hello\n", stderr: "warn\n", exit_code: 3 });
    expect((await sandbox.logs({ since: "1h", limit: 10 })).map((l) => l.line)).toEqual(["hello", "warn"]);
    const page = await porter.sandboxes.list({ tags: { suite: "prism" }, include_filter_values: true });
    expect(page.map((s) => s.id)).toEqual([sandbox.id]);
    expect((await porter.sandboxes.counts({ tags: { suite: "prism" } })).points.reduce((n, p) => n + p.count, 0)).toBe(1);

    const snap = await raw.POST("/v1/sandbox/{id}/snapshot", { params: { path: { id: sandbox.id } }, body: { mode: "filesystem" } });
    expect(snap.response.status).toBe(201);
    const snaps = await raw.GET("/v1/snapshot", { params: { query: { sandbox_id: sandbox.id } } });
    expect(snaps.data?.snapshots.map((s) => s.id)).toEqual([snap.data!.id]);
    const summary = await raw.GET("/v1/sandbox/{id}/metrics-summary", { params: { path: { id: sandbox.id }, query: { since: "1h" } } });
    expect(summary.response.status).toBe(200);
    const hour = { start_time_utc: new Date(Date.now() - 3_600_000).toISOString(), end_time_utc: new Date().toISOString() };
    const cpu = await raw.GET("/v1/sandbox/{id}/metrics", { params: { path: { id: sandbox.id }, query: { metric: "cpu_usage", ...hour } } });
    expect(cpu.data?.results).toHaveLength(1);
    expect((await raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: snap.data!.id } } })).response.status).toBe(204);

    const write = await raw.PUT("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/a.txt" } },
      body: bytes("0123456789") as never,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(write.response.status).toBe(204);
    const listing = await raw.GET("/v1/volume/{id}/files", { params: { path: { id: volume.id }, query: { path: "dir", search: "A." } } });
    expect(listing.data?.entries.map((e) => e.name)).toEqual(["a.txt"]);
    const tree = await raw.GET("/v1/volume/{id}/files", { params: { path: { id: volume.id } } });
    expect(tree.data?.entries.map((e) => [e.name, e.entries?.map((c) => c.name)])).toEqual([["dir", ["a.txt"]]]);
    const suffix = await raw.GET("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/a.txt" }, header: { Range: "bytes=-3" } },
      parseAs: "text",
    });
    expect([suffix.response.status, suffix.data]).toEqual([206, "789"]);
    const part = await raw.GET("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/a.txt" }, header: { Range: "bytes=2-4" } },
      parseAs: "text",
    });
    expect([part.response.status, part.data]).toEqual([206, "234"]);
    const whole = await raw.GET("/v1/volume/{id}/files/content", { params: { path: { id: volume.id }, query: { path: "dir/a.txt" } }, parseAs: "text" });
    expect(whole.data).toBe("0123456789");
    const past = await raw.GET("/v1/volume/{id}/files/content", {
      params: { path: { id: volume.id }, query: { path: "dir/a.txt" }, header: { Range: "bytes=99-" } },
    });
    expect(past.response.status).toBe(416);
    const move = await raw.POST("/v1/volume/{id}/files/move", { params: { path: { id: volume.id } }, body: { from: "dir/a.txt", to: "b.txt" } });
    expect(move.response.status).toBe(204);
    const again = await raw.POST("/v1/volume/{id}/files/move", { params: { path: { id: volume.id } }, body: { from: "b.txt", to: "b.txt" } });
    expect(again.response.status).toBe(409);
    const moveDir = await raw.POST("/v1/volume/{id}/files/move", { params: { path: { id: volume.id } }, body: { from: "dir", to: "dir2" } });
    expect(moveDir.response.status).toBe(204);
    expect((await sandbox.exec(["cat", "mnt/data/b.txt"])).stdout).toBe("0123456789");

    await expect(porter.volumes.delete(volume.id)).rejects.toBeInstanceOf(ConflictError);
    await expect(porter.sandboxes.create({ image: "alpine:3.20", name: "prism-flow" })).rejects.toBeInstanceOf(ConflictError);
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
    expect([...operations].sort()).toEqual(
      [
        "healthCheck", "readinessCheck", "createSandbox", "listSandboxes", "countSandboxes", "lookupSandbox",
        "getSandbox", "terminateSandbox", "execSandbox", "getSandboxLogs", "getSandboxMetricsSummary", "getSandboxMetrics", "createSnapshot", "listSnapshots",
        "deleteSnapshot", "listVolumes", "createVolume", "lookupVolume", "getVolume", "deleteVolume",
        "listVolumeFiles", "readVolumeFile", "writeVolumeFile", "moveVolumeFile",
      ].sort(),
    );
    // Error answers went through Prism too, and were checked against the spec like the others.
    // No 307: Prism follows the local server's redirect of the file write itself and answers what the upload link did.
    expect(new Set(seen.map((s) => s.status))).toEqual(new Set([200, 201, 202, 204, 206, 404, 409, 416]));
  });

  it("is really checking: a request that breaks the spec is refused by Prism with 422 and its violations", async () => {
    const res = await fetch(`${prism.url}/v1/sandbox?page=0`);
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain("page");
  });
});
