// The SDK's whole surface, used the way a program uses it, against every target in targets.ts: every
// operation of the spec is called through the ergonomic client (snapshots and metrics through
// `porter.raw`: their wrappers are newer than this suite), in an order that creates what it reads, so
// the same tests hold against a stateful server. Each request is checked by Prism (and by the recorder:
// undeclared query parameters, undeclared endpoints), and each test asserts what went on the wire (query
// parameter names and values, bodies, the Idempotency-Key) besides what came back. Against a stateful
// target it also asserts that what is read is what was written.
import { describe, expect, it } from "vitest";
import {
  ConflictError,
  IDEMPOTENCY_TAG,
  NotFoundError,
  SandboxError,
  type Sandbox,
  type Volume,
} from "../../src/index.js";
import { raw, RawFailure } from "./drivers.js";
import { API_KEY, useTarget } from "./harness.js";
import { operationIds } from "./spec.js";
import { TARGETS } from "./targets.js";

const RUN = `r${Date.now().toString(36)}`;
const TEXT = '{"accuracy": 0.913, "samples": 1200}\n';

describe.each(TARGETS)("contract scenario against $name", (target) => {
  const h = useTarget(target);
  const state: { volume?: Volume; sandbox?: Sandbox; sandboxName?: string } = {};
  /** Selects responses on the mock only (a stateful server answers from its state). */
  const onMock = (prefer: Record<string, string>) => target.mock && h.rec.prefer(prefer);

  it("healthCheck and readinessCheck answer, with the client's credentials and user agent on the wire", async () => {
    const porter = h.porter();
    expect((await porter.healthz.healthCheck()).status).toBe("ok");
    const ready = await porter.readyz.readinessCheck();
    expect(ready.status).toBe("ok");
    expect(Number.isInteger(ready.active_sandboxes) && ready.active_sandboxes >= 0).toBe(true);
    const health = h.rec.one("healthCheck");
    expect(health.status).toBe(200);
    expect(health.requestHeaders.get("authorization")).toBe(`Bearer ${API_KEY}`);
    expect(health.requestHeaders.get("user-agent")).toMatch(/^porter-sandbox-typescript\//);
    expect(h.rec.one("readinessCheck").status).toBe(200);
  });

  it("createVolume sends the spec body and the caller's Idempotency-Key; lookupVolume, getVolume and listVolumes find it", async () => {
    const porter = h.porter();
    const name = `contract-vol-${RUN}`;
    const volume = await porter.volumes.create({ name }, { idempotencyKey: `vol-${RUN}` });
    const create = h.rec.one("createVolume");
    expect(create.status).toBe(201);
    expect(create.requestHeaders.get("content-type")).toBe("application/json");
    expect(JSON.parse(create.requestBody!)).toEqual({ name });
    expect(create.requestHeaders.get("idempotency-key")).toBe(`vol-${RUN}`);
    if (target.stateful) {
      // A disk volume by default, stored in its own subdirectory of the shared volumes mount.
      expect(volume).toMatchObject({ name, type: "disk" });
      expect(volume.path).not.toBe("");
    }
    state.volume = volume;

    const found = await porter.volumes.get(name);
    const lookup = h.rec.one("lookupVolume");
    expect(lookup.query.get("name")).toBe(name);
    const resolved = (JSON.parse(lookup.responseBody) as { id: string }).id;
    expect(h.rec.one("getVolume").pathname).toBe(`/v1/volume/${resolved}`);
    if (target.stateful) expect(found.id).toBe(volume.id);

    const all = await porter.volumes.list();
    expect(h.rec.one("listVolumes").url).toBe("/v1/volume");
    if (target.stateful) expect(all.map((v) => v.id)).toContain(volume.id);

    await volume.waitUntilReady({ timeoutMs: 20_000 });
    expect(volume.phase).toBe("ready");
  });

  it("writeVolumeFile sends the bytes as application/octet-stream; listVolumeFiles lists and searches", async () => {
    const volume = state.volume!;
    await volume.writeFile("results.json", TEXT);
    await volume.writeText("archive/keep.txt", "kept\n");
    // 204 on every target: a server's 307 never reaches the SDK through Prism, whose proxy follows it
    // itself (see PRISM_CANNOT_SERVE_RESPONSE in drivers.ts).
    const writes = h.rec.of("writeVolumeFile");
    expect(
      writes.map((w) => [w.status, w.query.get("path"), w.requestHeaders.get("content-type"), w.requestBody]),
    ).toEqual([
      [204, "results.json", "application/octet-stream", TEXT],
      [204, "archive/keep.txt", "application/octet-stream", "kept\n"],
    ]);

    const root = await volume.listdir();
    const hit = await volume.search("keep", "archive");
    const anywhere = await volume.search("KEEP");
    const [list, search, searchRoot] = h.rec.of("listVolumeFiles");
    expect(list!.url).toBe(`/v1/volume/${volume.id}/files`);
    expect(Object.fromEntries(search!.query)).toEqual({ path: "archive", search: "keep" });
    expect(Object.fromEntries(searchRoot!.query)).toEqual({ search: "KEEP" });
    if (target.stateful) {
      // The whole (small) tree in one answer, nested; directories first, then files, each by name.
      const names = (entries: typeof root.entries | undefined) => entries?.map((e) => [e.name, e.type]);
      expect(root).toMatchObject({ path: "/", truncated: false });
      expect(names(root.entries)).toEqual([
        ["archive", "directory"],
        ["results.json", "file"],
      ]);
      expect(names(root.entries[0]!.entries)).toEqual([["keep.txt", "file"]]);
      expect(root.entries[1]!.size_bytes).toBe(new TextEncoder().encode(TEXT).length);
      // `path` comes back "/"-rooted; a search is case-insensitive and keeps the matches' ancestors only.
      // search() answers the matches alone, flat, each with its path from the volume root.
      const found = (entries: typeof hit.entries) => entries.map((e) => [e.path, e.type]);
      expect(hit.path).toBe("/archive");
      expect(found(hit.entries)).toEqual([["/archive/keep.txt", "file"]]);
      expect(found(anywhere.entries)).toEqual([["/archive/keep.txt", "file"]]);
    }
  });

  it("readVolumeFile returns the file, and a byte range as a Range request", async () => {
    const volume = state.volume!;
    const whole = await volume.readFile("results.json");
    const part = await volume.readFile("results.json", { offset: 1, length: 8 });
    const [first, second] = h.rec.of("readVolumeFile");
    expect(first!.requestHeaders.get("range")).toBeNull();
    expect(second!.requestHeaders.get("range")).toBe("bytes=1-8");
    expect(whole).toBeInstanceOf(Uint8Array);
    if (target.stateful) {
      expect(new TextDecoder().decode(whole)).toBe(TEXT);
      expect(second!.status).toBe(206);
      expect(new TextDecoder().decode(part)).toBe(TEXT.slice(1, 9));
      // volume.stream() reads in chunks, one Range request each; the file's size (from Content-Range)
      // bounds the last one.
      const chunks: Uint8Array[] = [];
      for await (const chunk of volume.stream("results.json", { chunkBytes: 16 })) chunks.push(chunk);
      expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe(TEXT);
      const ranges = h.rec
        .of("readVolumeFile")
        .slice(2)
        .map((e) => [e.requestHeaders.get("range"), e.status]);
      expect(TEXT.length).toBe(37);
      expect(ranges).toEqual([
        ["bytes=0-15", 206],
        ["bytes=16-31", 206],
        ["bytes=32-36", 206],
      ]);
    }
  });

  it("moveVolumeFile sends from and to: a file, then a directory with everything under it", async () => {
    const volume = state.volume!;
    await volume.moveFile("results.json", "archive/results.json");
    await volume.moveFile("archive", "archive-2025");
    const moves = h.rec.of("moveVolumeFile").map((e) => [e.status, JSON.parse(e.requestBody!)]);
    expect(moves).toEqual([
      [204, { from: "results.json", to: "archive/results.json" }],
      [204, { from: "archive", to: "archive-2025" }],
    ]);
    if (target.stateful) {
      const root = await volume.listdir();
      expect(root.entries.map((e) => e.name)).toEqual(["archive-2025"]);
      expect(root.entries[0]!.entries!.map((e) => e.name)).toEqual(["keep.txt", "results.json"]);
      expect(new TextDecoder().decode(await volume.readFile("archive-2025/results.json"))).toBe(TEXT);
      await expect(volume.readFile("results.json")).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it("createSandbox sends the spec as given plus the tag of the caller's Idempotency-Key, then reads the record", async () => {
    const porter = h.porter();
    state.sandboxName = `contract-sbx-${RUN}`;
    const spec = {
      image: "python:3.12-slim",
      name: state.sandboxName,
      command: ["sleep", "infinity"],
      env: { PYTHONUNBUFFERED: "1" },
      tags: { suite: "contract", run: RUN },
      volume_mounts: { "/mnt/data": state.volume!.id },
      resources: { cpu: "500m", memory: "512Mi" },
      ttl_seconds: 600,
    };
    const key = `sbx-${RUN}`;
    const sandbox = await porter.sandboxes.create(spec, { idempotencyKey: key });
    const create = h.rec.one("createSandbox");
    expect(create.status).toBe(202);
    // The tag is how the SDK finds this sandbox again if the answer is lost.
    expect(JSON.parse(create.requestBody!)).toEqual({ ...spec, tags: { ...spec.tags, [IDEMPOTENCY_TAG]: key } });
    expect(create.requestHeaders.get("idempotency-key")).toBe(key);
    const created = JSON.parse(create.responseBody) as { id: string };
    expect(sandbox.id).toBe(created.id);
    if (target.stateful) {
      expect(sandbox).toMatchObject({
        name: spec.name,
        image: spec.image,
        tags: spec.tags,
        volume_mounts: spec.volume_mounts,
      });
    }
    await sandbox.waitUntilRunning({ timeoutMs: 30_000 });
    expect(sandbox.phase).toBe("running");
    state.sandbox = sandbox;
  });

  it("lookupSandbox resolves the name for a client that has not seen it; getSandbox by id needs no lookup", async () => {
    const porter = h.porter();
    const byName = await porter.sandboxes.get(state.sandboxName!);
    const lookup = h.rec.one("lookupSandbox");
    expect(lookup.query.get("name")).toBe(state.sandboxName);
    const id = (JSON.parse(lookup.responseBody) as { id: string }).id;
    expect(h.rec.of("getSandbox")[0]!.pathname).toBe(`/v1/sandbox/${id}`);
    const byId = await porter.sandboxes.get(state.sandbox!.id);
    expect(h.rec.of("lookupSandbox")).toHaveLength(1);
    expect(h.rec.of("getSandbox")[1]!.pathname).toBe(`/v1/sandbox/${state.sandbox!.id}`);
    if (target.stateful) expect([byName.id, byId.id]).toEqual([state.sandbox!.id, state.sandbox!.id]);
  });

  it("listSandboxes sends one tag= per tag and one phase= per phase", async () => {
    const porter = h.porter();
    const page = await porter.sandboxes.list({
      tags: { suite: "contract", run: RUN },
      phase: ["running", "creating"],
      include_filter_values: true,
    });
    const list = h.rec.one("listSandboxes");
    expect(list.query.getAll("tag")).toEqual(["suite=contract", `run=${RUN}`]);
    expect(list.query.getAll("phase")).toEqual(["running", "creating"]);
    expect(list.query.get("include_filter_values")).toBe("true");
    expect(list.query.get("page")).toBe("1");
    expect([...new Set(list.query.keys())].sort()).toEqual(["include_filter_values", "page", "phase", "tag"]);
    expect(page.pagination.current_page).toBe(1);
    if (target.stateful) {
      expect(page.map((s) => s.id)).toEqual([state.sandbox!.id]);
      expect(page.filter_values?.tags).toContain(`run=${RUN}`);
      const walked: string[] = [];
      for await (const s of porter.sandboxes.list({ tags: { run: RUN } })) walked.push(s.id);
      expect(walked).toEqual([state.sandbox!.id]);
    }
  });

  it("countSandboxes sends the list filters without page or include_filter_values", async () => {
    const porter = h.porter();
    const start_time = new Date(Date.now() - 3_600_000).toISOString();
    const end_time = new Date(Date.now() + 3_600_000).toISOString();
    const counts = await porter.sandboxes.counts({
      tags: { run: RUN },
      phase: "running",
      image: "python:3.12-slim",
      start_time,
      end_time,
    });
    const count = h.rec.one("countSandboxes");
    expect(count.query.getAll("tag")).toEqual([`run=${RUN}`]);
    expect(count.query.getAll("phase")).toEqual(["running"]);
    expect(Object.fromEntries([...count.query].filter(([k]) => k !== "tag" && k !== "phase"))).toEqual({
      image: "python:3.12-slim",
      start_time,
      end_time,
    });
    expect(Number.isInteger(counts.granularity_ms)).toBe(true);
    if (target.stateful) expect(counts.points.reduce((n, p) => n + p.count, 0)).toBe(1);
  });

  it("execSandbox sends the argv; a non-zero exit code is a result", async () => {
    const sandbox = state.sandbox!;
    const ok = await sandbox.exec(["sh", "-c", "echo hi"]);
    onMock({ execSandbox: "example=non_zero" });
    const failed = await sandbox.exec(["sh", "-c", "echo oops >&2; exit 3"]);
    const [first, second] = h.rec.of("execSandbox");
    expect(first!.pathname).toBe(`/v1/sandbox/${sandbox.id}/exec`);
    expect(JSON.parse(first!.requestBody!)).toEqual({ command: ["sh", "-c", "echo hi"] });
    expect(JSON.parse(second!.requestBody!)).toEqual({ command: ["sh", "-c", "echo oops >&2; exit 3"] });
    expect(failed.exit_code).not.toBe(0);
    if (target.stateful) {
      expect(ok).toEqual({ stdout: "hi\n", stderr: "", exit_code: 0 });
      expect(failed).toEqual({ stdout: "", stderr: "oops\n", exit_code: 3 });
    } else {
      expect(ok.exit_code).toBe(0);
    }
  });

  it("getSandboxLogs sends since and limit", async () => {
    const sandbox = state.sandbox!;
    const lines = await sandbox.logs({ since: "1h", limit: 100 });
    const logs = h.rec.one("getSandboxLogs");
    expect(logs.pathname).toBe(`/v1/sandbox/${sandbox.id}/logs`);
    expect(Object.fromEntries(logs.query)).toEqual({ since: "1h", limit: "100" });
    expect(Array.isArray(lines)).toBe(true);
    if (target.stateful) expect(lines.filter((l) => l.exec_id !== "").map((l) => l.line)).toContain("hi");
  });

  it("getSandboxMetricsSummary and getSandboxMetrics through porter.raw send the window and the series asked for", async () => {
    const porter = h.porter();
    const id = state.sandbox!.id;
    const start_time_utc = new Date(Date.now() - 600_000).toISOString();
    const end_time_utc = new Date(Date.now() + 60_000).toISOString();
    const query = { metric: "cpu_usage", start_time_utc, end_time_utc } as const;
    const { data: summary } = await raw(
      porter.raw.GET("/v1/sandbox/{id}/metrics-summary", { params: { path: { id }, query: { since: "1h" } } }),
    );
    const { data: metrics } = await raw(
      porter.raw.GET("/v1/sandbox/{id}/metrics", { params: { path: { id }, query } }),
    );
    expect(h.rec.one("getSandboxMetricsSummary").url).toBe(`/v1/sandbox/${id}/metrics-summary?since=1h`);
    const series = h.rec.one("getSandboxMetrics");
    expect(series.pathname).toBe(`/v1/sandbox/${id}/metrics`);
    expect(Object.fromEntries(series.query)).toEqual(query);
    expect(typeof summary!.has_data).toBe("boolean");
    expect(metrics!.results.length).toBeGreaterThan(0);
    if (target.stateful) {
      // The window asked for, and the limits the sandbox was created with (500m, 512Mi).
      expect(summary).toMatchObject({ window_seconds: 3600, cpu_limit_cores: 0.5, mem_limit_bytes: 512 * 2 ** 20 });
      const times = metrics!.results.flatMap((r) =>
        r.series.flatMap((s) => s.time_series.map((p) => Date.parse(p.timestamp_utc))),
      );
      expect(times.filter((t) => !(t >= Date.parse(start_time_utc) && t <= Date.parse(end_time_utc)))).toEqual([]);
    }
  });

  it("createSnapshot, listSnapshots and deleteSnapshot through porter.raw", async () => {
    const porter = h.porter();
    const id = state.sandbox!.id;
    // `{}`: the default capture, the filesystem (the response suite sends `mode` explicitly).
    const { data: snapshot } = await raw(
      porter.raw.POST("/v1/sandbox/{id}/snapshot", { params: { path: { id } }, body: {} }),
    );
    const create = h.rec.one("createSnapshot");
    expect(create.status).toBe(201);
    expect(JSON.parse(create.requestBody!)).toEqual({});
    const { data: listed } = await raw(porter.raw.GET("/v1/snapshot", { params: { query: { sandbox_id: id } } }));
    expect(h.rec.one("listSnapshots").url).toBe(`/v1/snapshot?sandbox_id=${id}`);
    await raw(porter.raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: snapshot!.id } } }));
    expect(h.rec.one("deleteSnapshot")).toMatchObject({ pathname: `/v1/snapshot/${snapshot!.id}`, status: 204 });
    if (target.stateful) {
      expect(snapshot).toMatchObject({ sandbox_id: id, mode: "filesystem" });
      expect(["pending", "ready"]).toContain(snapshot!.status);
      expect(listed!.snapshots.map((s) => [s.id, s.sandbox_id])).toEqual([[snapshot!.id, id]]);
      const again = await raw(porter.raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: snapshot!.id } } })).catch(
        (e: unknown) => e,
      );
      expect(again).toBeInstanceOf(RawFailure);
      expect((again as RawFailure).status).toBe(404);
    }
  });

  if (target.stateful) {
    it("declared errors from the server: a taken sandbox name is a ConflictError, a mounted volume cannot be deleted", async () => {
      const porter = h.porter();
      const again = porter.sandboxes.create({ image: "alpine:3.20", name: state.sandboxName! });
      await expect(again).rejects.toBeInstanceOf(ConflictError);
      await expect(again).rejects.toMatchObject({ code: "conflict", statusCode: 409 });
      const busy = await state.volume!.delete().catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(ConflictError);
      expect((busy as ConflictError & { attached_to?: string[] }).attached_to).toEqual([state.sandbox!.id]);
    });
  }

  it("terminateSandbox deletes, then reads the ended record", async () => {
    const sandbox = state.sandbox!;
    const id = sandbox.id;
    onMock({ getSandbox: "example=terminated" });
    await sandbox.terminate();
    expect(h.rec.one("terminateSandbox")).toMatchObject({ pathname: `/v1/sandbox/${id}`, status: 204 });
    expect(h.rec.of("getSandbox").map((e) => e.pathname)).toEqual([`/v1/sandbox/${id}`]);
    expect(sandbox.phase).toBe("terminated");
    expect(sandbox.finished_at).toEqual(expect.any(String));
    if (target.stateful) {
      await sandbox.terminate(); // idempotent by state
      expect(h.rec.of("terminateSandbox").map((e) => e.status)).toEqual([204, 204]);
      const late = await sandbox.exec(["true"]).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(ConflictError);
    }
  });

  it("terminateSandbox returns once the DELETE is accepted, with the record as read then: Prism's default example is still running", async () => {
    const sandbox = state.sandbox!;
    const stopping = await h.porter().sandboxes.terminate(sandbox.id);
    expect(h.rec.one("terminateSandbox")).toMatchObject({ pathname: `/v1/sandbox/${sandbox.id}`, status: 204 });
    expect(h.rec.of("getSandbox")).toHaveLength(1);
    // On the mock the sandbox takes its time to stop (as on a cluster); the local server ends it at once.
    expect(stopping.phase).toBe(target.stateful ? "terminated" : "running");
  });

  it("deleteVolume deletes it", async () => {
    const porter = h.porter();
    const volume = state.volume!;
    await porter.volumes.delete(volume.id);
    expect(h.rec.one("deleteVolume")).toMatchObject({ pathname: `/v1/volume/${volume.id}`, status: 204 });
    if (target.stateful) {
      const gone = await porter.volumes.get(volume.id).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(NotFoundError);
      expect((gone as SandboxError).code).toBe("not_found");
    }
  });

  // Runs last (a file's tests run in order): every operation of the spec was answered with a 2xx here.
  it("coverage: every operation of the spec was called successfully on this target", () => {
    const ok = new Set(h.all.filter((e) => e.status >= 200 && e.status < 300).map((e) => e.operationId));
    expect(operationIds.filter((id) => !ok.has(id))).toEqual([]);
  });
});
