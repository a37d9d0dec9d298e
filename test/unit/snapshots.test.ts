// porter.snapshots, Snapshot handles, sandbox.snapshot() and the metrics of a sandbox, checked on the
// wire against a loopback server that answers in the shapes of Porter's published models.
import type { ServerResponse } from "node:http";
import { describe, expect, test } from "vitest";
import {
  NotFoundError,
  Porter,
  Snapshot,
  SnapshotFailedError,
  SandboxTimeoutError,
  ValidationError,
  type SnapshotRecord,
} from "../../src/index.js";
import { json, useServers, type Recorded } from "../helpers/http.js";
import { noMetricsSummary, statusRecord } from "../helpers/records.js";

const serve = useServers();
const wire = (r: Recorded) => `${r.method} ${decodeURIComponent(r.url)}`;
const status = statusRecord();
const snap = (over: Partial<SnapshotRecord> = {}): SnapshotRecord => ({
  id: "snap_1",
  sandbox_id: "sbx_1",
  mode: "filesystem",
  status: "pending",
  t_created_unix_ms: 1_763_737_200_000,
  ...over,
});

/** A server whose snapshot turns `ready` (or whatever `final` says) after `pendingPolls` list calls. */
function snapshotServer(final: Partial<SnapshotRecord>, pendingPolls = 1) {
  let polls = 0;
  return (req: Recorded, res: ServerResponse) => {
    if (req.path === "/v1/sandbox/lookup") return json(res, 200, { id: "sbx_1" });
    if (req.method === "POST" && req.path === "/v1/sandbox/sbx_1/snapshot") return json(res, 201, snap());
    if (req.method === "GET" && req.path === "/v1/snapshot") {
      const current = ++polls > pendingPolls ? snap(final) : snap();
      return json(res, 200, { snapshots: [snap({ id: "snap_0", status: "ready" }), current] });
    }
    if (req.method === "DELETE" && req.path === "/v1/snapshot/snap_1") return void res.writeHead(204).end();
    if (req.path === "/v1/sandbox/sbx_1") return json(res, 200, status);
    json(res, 404, { error: "not found" });
  };
}

describe("porter.snapshots", () => {
  test("create resolves the sandbox's name, posts { mode } and returns a handle that waits until ready", async () => {
    const s = await serve(snapshotServer({ status: "ready", t_ready_unix_ms: 1_763_737_212_000, size_bytes: 4096 }));
    const porter = new Porter({ baseUrl: s.url });
    const snapshot = await porter.snapshots.create("box", { mode: "filesystem" });
    expect(snapshot).toBeInstanceOf(Snapshot);
    expect([snapshot.id, snapshot.status]).toEqual(["snap_1", "pending"]);
    expect(s.requests.at(-1)!.json).toEqual({ mode: "filesystem" });
    await snapshot.waitUntilReady();
    expect([snapshot.status, snapshot.size_bytes]).toEqual(["ready", 4096]);
    expect(s.requests.map(wire)).toEqual([
      "GET /v1/sandbox/lookup?name=box",
      "POST /v1/sandbox/sbx_1/snapshot",
      "GET /v1/snapshot?sandbox_id=sbx_1",
      "GET /v1/snapshot?sandbox_id=sbx_1",
    ]);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(
      snap({ status: "ready", t_ready_unix_ms: 1_763_737_212_000, size_bytes: 4096 }),
    );
  });

  test("an empty body means the defaults; sandbox.snapshot() posts to its own id", async () => {
    const s = await serve(snapshotServer({ status: "ready" }));
    const porter = new Porter({ baseUrl: s.url });
    const sandbox = await porter.sandboxes.get("sbx_1");
    await sandbox.snapshot();
    expect(s.requests.at(-1)!.json).toEqual({});
    expect(wire(s.requests.at(-1)!)).toBe("POST /v1/sandbox/sbx_1/snapshot");
  });

  test("a failed capture throws SnapshotFailedError with the API's reason", async () => {
    const s = await serve(snapshotServer({ status: "failed", failure_reason: "the sandbox ended during the capture" }));
    const snapshot = await new Porter({ baseUrl: s.url }).snapshots.create("sbx_1");
    const error = await snapshot.waitUntilReady().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotFailedError);
    expect(error).toMatchObject({ code: "snapshot_failed", failure_reason: "the sandbox ended during the capture" });
    expect((error as Error).message).toBe(
      "snapshot snap_1 of sandbox sbx_1 failed: the sandbox ended during the capture",
    );
  });

  test("a status Porter has not published is taken as still under way, until the wait times out", async () => {
    const s = await serve(snapshotServer({ status: "capturing" }, 0));
    const snapshot = await new Porter({ baseUrl: s.url }).snapshots.create("sbx_1");
    await expect(snapshot.waitUntilReady({ timeoutMs: 300 })).rejects.toBeInstanceOf(SandboxTimeoutError);
  });

  test("a snapshot that is no longer listed is NotFoundError on refresh", async () => {
    const s = await serve((req, res) =>
      req.method === "POST" ? json(res, 201, snap()) : json(res, 200, { snapshots: [] }),
    );
    const snapshot = await new Porter({ baseUrl: s.url }).snapshots.create("sbx_1");
    await expect(snapshot.refresh()).rejects.toBeInstanceOf(NotFoundError);
  });

  test("list filters by the sandbox's name or id and returns handles, most recent first as sent; delete sends DELETE", async () => {
    const s = await serve(snapshotServer({ status: "ready" }, 0));
    const porter = new Porter({ baseUrl: s.url });
    const all = await porter.snapshots.list({ sandbox_id: "box" });
    expect(all.map((x) => [x.id, x.status])).toEqual([
      ["snap_0", "ready"],
      ["snap_1", "ready"],
    ]);
    expect(all.every((x) => x instanceof Snapshot)).toBe(true);
    await porter.snapshots.list();
    await porter.snapshots.delete("snap_1");
    await all[1]!.delete();
    expect(s.requests.map(wire)).toEqual([
      "GET /v1/sandbox/lookup?name=box",
      "GET /v1/snapshot?sandbox_id=sbx_1",
      "GET /v1/snapshot",
      "DELETE /v1/snapshot/snap_1",
      "DELETE /v1/snapshot/snap_1",
    ]);
  });

  test("a snapshot create that may have reached the server is not sent again (a second capture is a second snapshot)", async () => {
    const s = await serve((_req, res, raw) => void raw.socket.destroy());
    await expect(new Porter({ baseUrl: s.url, retryDelayMs: 1 }).snapshots.create("sbx_1")).rejects.toThrow();
    expect(s.requests).toHaveLength(1);
  });
});

describe("metrics", () => {
  const summary = noMetricsSummary();
  const series = {
    results: [{ series: [{ unit: "cores", time_series: [{ timestamp_utc: "2026-11-22T00:00:00Z", value: 0.5 }] }] }],
  };

  test("metricsSummary sends since; metrics sends the metric and the range, Dates in RFC 3339 UTC", async () => {
    const s = await serve((req, res) =>
      json(res, 200, req.path.endsWith("metrics-summary") ? summary : req.path.endsWith("metrics") ? series : status),
    );
    const sandbox = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
    expect(await sandbox.metricsSummary({ since: "30m" })).toEqual(summary);
    const result = await sandbox.metrics({
      metric: "cpu_usage",
      start: new Date(Date.UTC(2026, 10, 22)),
      end: "2026-11-22T01:00:00Z",
    });
    expect(result.results[0]!.series[0]!.time_series[0]!.value).toBe(0.5);
    expect(s.requests.slice(1).map(wire)).toEqual([
      "GET /v1/sandbox/sbx_1/metrics-summary?since=30m",
      "GET /v1/sandbox/sbx_1/metrics?metric=cpu_usage&start_time_utc=2026-11-22T00:00:00.000Z&end_time_utc=2026-11-22T01:00:00Z",
    ]);
  });

  test("an unknown metric is refused before sending, naming the field", async () => {
    const s = await serve((_req, res) => json(res, 200, status));
    const sandbox = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
    const error = await sandbox.metrics({ metric: "gpu" as never, start: "a", end: "b" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]).toMatchObject({ path: "metric" });
    expect(s.requests).toHaveLength(1);
  });
});
