// The Porter test server itself, checked with plain fetch: it must speak Porter's published shapes and
// nothing more, or the SDK tests that run against it would prove nothing.
import { describe, expect, it } from "vitest";
import { PHASES, usePorterServers, type PorterServer } from "../helpers/porter-server.js";

const start = usePorterServers();

async function call(
  server: PorterServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const init: RequestInit = { method, headers: { ...headers }, redirect: "manual" };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await fetch(server.url + path, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as any };
}

/** Resolves once `condition` holds, checking every 5 ms (the test's own timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

const EXTENSION_HEADERS = ["x-request-id", "retry-after", "retry-after-ms", "idempotent-replayed", "etag"];

describe("no extensions", () => {
  it("ignores Idempotency-Key: the same key twice makes two sandboxes, each answered 202 {id, name}", async () => {
    const server = await start();
    const headers = { "idempotency-key": "k-1" };
    const a = await call(server, "POST", "/v1/sandbox/run", { image: "alpine", tags: { t: "1" } }, headers);
    const b = await call(server, "POST", "/v1/sandbox/run", { image: "alpine", tags: { t: "1" } }, headers);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(Object.keys(a.json)).toEqual(["id", "name"]);
    expect(a.json.name).toBe(a.json.id);
    expect(b.json.id).not.toBe(a.json.id);
    expect(server.sandboxCount).toBe(2);
    expect(server.sandboxesTagged("t", "1")).toBe(2);
    for (const res of [a, b]) for (const name of EXTENSION_HEADERS) expect(res.headers.get(name)).toBeNull();
  });

  it("answers errors with exactly {error}: 400, 404, 409, and no extension headers", async () => {
    const server = await start();
    await call(server, "POST", "/v1/sandbox/run", { image: "alpine", name: "box" });
    const answers = [
      await call(server, "POST", "/v1/sandbox/run", { name: "box" }),
      await call(server, "GET", "/v1/sandbox/sbx_nope"),
      await call(server, "GET", "/v1/sandbox/lookup?name=nope"),
      await call(server, "POST", "/v1/sandbox/run", { image: "alpine", name: "box" }),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 404, 404, 409]);
    for (const a of answers) {
      expect(Object.keys(a.json)).toEqual(["error"]);
      expect(typeof a.json.error).toBe("string");
      for (const name of EXTENSION_HEADERS) expect(a.headers.get(name)).toBeNull();
    }
    expect(server.sandboxesNamed("box")).toBe(1);
  });

  it("serves under a base path and checks the bearer key when given one", async () => {
    const server = await start({ basePath: "/api/v2/alpha/projects/1/clusters/2", apiKey: "sk-test" });
    expect(server.url).toMatch(/\/api\/v2\/alpha\/projects\/1\/clusters\/2$/);
    expect((await call(server, "GET", "/healthz")).status).toBe(401);
    expect((await call(server, "GET", "/healthz", undefined, { authorization: "Bearer sk-test" })).json).toEqual({
      status: "ok",
    });
    expect(server.requests.map((r) => r.path)).toEqual(["/healthz", "/healthz"]);
  });
});

describe("sandboxes", () => {
  it("goes queued -> running once the start delay has passed; exec is 409 until then, then computes its answer", async () => {
    const server = await start({ startDelayMs: 60_000 });
    const { json: created } = await call(server, "POST", "/v1/sandbox/run", { image: "alpine" });
    expect((await call(server, "GET", `/v1/sandbox/${created.id}`)).json.phase).toBe("queued");
    expect((await call(server, "POST", `/v1/sandbox/${created.id}/exec`, { command: ["echo", "hi"] })).status).toBe(
      409,
    );
    server.skipAhead(60_000);
    const record = (await call(server, "GET", `/v1/sandbox/${created.id}`)).json;
    expect(record).toMatchObject({ phase: "running", host: "", exit_code: null, finished_at: null });
    expect(record.started_at).toEqual(expect.any(String));
    expect(
      (await call(server, "POST", `/v1/sandbox/${created.id}/exec`, { command: ["echo", "hi", "there"] })).json,
    ).toEqual({ stdout: "hi there\n", stderr: "", exit_code: 0 });
    expect(
      (await call(server, "POST", `/v1/sandbox/${created.id}/exec`, { command: ["sh", "-c", "exit 3"] })).json
        .exit_code,
    ).toBe(3);
    const logs = (await call(server, "GET", `/v1/sandbox/${created.id}/logs?limit=10`)).json;
    expect(logs.logs.map((l: any) => [l.line, l.exec_id === ""])).toEqual([
      [`sandbox ${created.id} started`, true],
      ["hi there", false],
    ]);
  });

  it("lists with every given tag matching, phases, image and name prefix; filter_values are cluster-wide", async () => {
    const server = await start({ pageSize: 2 });
    const make = (body: object) => call(server, "POST", "/v1/sandbox/run", body);
    await make({ image: "alpine", name: "job-a", tags: { team: "ml", key: "a=b" } });
    await make({ image: "alpine", name: "job-b", tags: { team: "ml" } });
    await make({ image: "python", name: "other", tags: { team: "web" } });
    const names = async (query: string) =>
      (await call(server, "GET", `/v1/sandbox?${query}`)).json.sandboxes.map((s: any) => s.name);
    expect(await names("tag=team%3Dml&tag=key%3Da%3Db")).toEqual(["job-a"]);
    expect(await names("tag=team%3Dml&page=1")).toEqual(["job-a", "job-b"]);
    expect(await names("search=job-&image=alpine&phase=running&phase=queued")).toEqual(["job-a", "job-b"]);
    expect(await names("phase=terminated")).toEqual([]);
    const page2 = (await call(server, "GET", "/v1/sandbox?page=2&include_filter_values=true")).json;
    expect(page2.pagination).toEqual({ current_page: 2, total_pages: 2, has_next_page: false });
    expect(page2.filter_values).toEqual({
      tags: ["key=a=b", "team=ml", "team=web"],
      images: ["alpine", "python"],
      phases: [...PHASES],
    });
  });

  it("terminates with 204, or 200 and an empty body when configured; counts are gap-free per minute", async () => {
    const server = await start();
    const { json: created } = await call(server, "POST", "/v1/sandbox/run", { image: "alpine" });
    expect(await call(server, "DELETE", `/v1/sandbox/${created.id}`)).toMatchObject({ status: 204, text: "" });
    server.configure({ terminateStatus: 200 });
    expect(await call(server, "DELETE", `/v1/sandbox/${created.id}`)).toMatchObject({ status: 200, text: "" });
    expect((await call(server, "GET", `/v1/sandbox/${created.id}`)).json.phase).toBe("terminated");
    const counts = (await call(server, "GET", "/v1/sandbox/counts")).json;
    expect(counts.granularity_ms).toBe(60_000);
    expect(counts.points.length).toBeGreaterThanOrEqual(60);
    expect(counts.points.reduce((n: number, p: any) => n + p.count, 0)).toBe(1);
  });
});

describe("snapshots and metrics", () => {
  it("snapshots start pending and become ready; the list is newest first", async () => {
    const server = await start({ snapshotReadyMs: 60_000 });
    const { json: box } = await call(server, "POST", "/v1/sandbox/run", { image: "alpine" });
    const first = await call(server, "POST", `/v1/sandbox/${box.id}/snapshot`, {});
    expect(first.status).toBe(202);
    expect(first.json).toEqual({
      id: expect.any(String),
      sandbox_id: box.id,
      mode: "filesystem",
      status: "pending",
      t_created_unix_ms: expect.any(Number),
    });
    server.skipAhead(1);
    const second = (await call(server, "POST", `/v1/sandbox/${box.id}/snapshot`, { mode: "filesystem" })).json;
    server.skipAhead(60_000);
    const list = (await call(server, "GET", `/v1/snapshot?sandbox_id=${box.id}`)).json.snapshots;
    expect(list.map((s: any) => [s.id, s.status])).toEqual([
      [second.id, "ready"],
      [first.json.id, "ready"],
    ]);
    expect(list[0]).toMatchObject({ t_ready_unix_ms: expect.any(Number), size_bytes: expect.any(Number) });
    expect((await call(server, "DELETE", `/v1/snapshot/${first.json.id}`)).status).toBe(204);
  });

  it("metrics-summary has no data yet; metrics answer one result with one series", async () => {
    const server = await start();
    const { json: box } = await call(server, "POST", "/v1/sandbox/run", { image: "alpine" });
    const summary = (await call(server, "GET", `/v1/sandbox/${box.id}/metrics-summary?since=30m`)).json;
    expect(summary).toMatchObject({ window_seconds: 1800, has_data: false, cpu_cores_p50: 0, mem_limit_bytes: 0 });
    const range = "start_time_utc=2026-01-01T00:00:00Z&end_time_utc=2026-01-01T01:00:00Z";
    const m = (await call(server, "GET", `/v1/sandbox/${box.id}/metrics?metric=cpu_usage&${range}`)).json;
    expect(m.results).toHaveLength(1);
    expect(m.results[0].series).toHaveLength(1);
    expect(m.results[0].series[0].time_series.map((p: any) => p.timestamp_utc)).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T00:30:00.000Z",
      "2026-01-01T01:00:00.000Z",
    ]);
    expect((await call(server, "GET", `/v1/sandbox/${box.id}/metrics?metric=cpu_usage`)).status).toBe(400);
  });
});

describe("volume files", () => {
  async function volumeWith(server: PorterServer, files: string[]): Promise<string> {
    const { json: volume } = await call(server, "POST", "/v1/volume", { name: "data" });
    for (const path of files) server.putFile(volume.id, path, path);
    return volume.id;
  }
  const names = (entries: any[]): unknown =>
    entries.map((e) => (e.entries ? { [e.name]: names(e.entries) } : e.truncated ? `${e.name}/…` : e.name));

  it("walks breadth-first, nested, directories first; the budget leaves directories truncated", async () => {
    const server = await start({ fileEntryBudget: 4 });
    const id = await volumeWith(server, ["b.txt", "a/x.txt", "a/deep/y.txt", "z/w.txt"]);
    const listing = (await call(server, "GET", `/v1/volume/${id}/files`)).json;
    // Root: a, z, b.txt (3); then a: deep, x.txt (5 > 4): a and z are left unread.
    expect(listing.path).toBe("/");
    expect(listing.truncated).toBe(true);
    expect(names(listing.entries)).toEqual(["a/…", "z/…", "b.txt"]);
    server.configure({ fileEntryBudget: 100 });
    const full = (await call(server, "GET", `/v1/volume/${id}/files?path=%2Fa`)).json;
    expect([full.path, full.truncated, names(full.entries)]).toEqual(["/a", false, [{ deep: ["y.txt"] }, "x.txt"]]);
    expect(full.entries[1]).toEqual({ name: "x.txt", type: "file", size_bytes: 7, modified_at: expect.any(String) });
    const found = (await call(server, "GET", `/v1/volume/${id}/files?search=Y.T`)).json;
    expect(names(found.entries)).toEqual([{ a: [{ deep: ["y.txt"] }] }]);
  });

  it("reads ranges with Content-Range; an empty file's ranged read is 200 with no Content-Range", async () => {
    const server = await start();
    const id = await volumeWith(server, ["f.txt"]);
    server.putFile(id, "empty", "");
    const read = (path: string, range: string) =>
      fetch(`${server.url}/v1/volume/${id}/files/content?path=${path}`, { headers: { range } });
    const part = await read("f.txt", "bytes=1-2");
    expect([part.status, part.headers.get("content-range"), await part.text()]).toEqual([206, "bytes 1-2/5", ".t"]);
    const suffix = await read("f.txt", "bytes=-3");
    expect([suffix.status, suffix.headers.get("content-range"), await suffix.text()]).toEqual([
      206,
      "bytes 2-4/5",
      "txt",
    ]);
    const empty = await read("empty", "bytes=0-1023");
    expect([empty.status, empty.headers.get("content-range"), await empty.text()]).toEqual([200, null, ""]);
    expect((await read("f.txt", "bytes=9-")).status).toBe(416);
  });

  it("answers a write with 307 to a second path, which stores the body; moves files and directories", async () => {
    const server = await start();
    const id = await volumeWith(server, ["dir/one.txt", "taken.txt"]);
    const first = await call(server, "PUT", `/v1/volume/${id}/files/content?path=new%2Ffile.txt`, "payload");
    expect(first.status).toBe(307);
    expect(first.headers.get("location")).toBe(`/upload/v1/volume/${id}/files/content?path=new%2Ffile.txt`);
    expect(server.store.volumes.get(id)!.tree.get("new/file.txt")).toBeUndefined();
    const followed = await fetch(new URL(first.headers.get("location")!, server.url), {
      method: "PUT",
      body: "payload",
    });
    expect(followed.status).toBe(204);
    expect((await call(server, "POST", `/v1/volume/${id}/files/move`, { from: "/dir", to: "new/dir" })).status).toBe(
      204,
    );
    expect((await call(server, "GET", `/v1/volume/${id}/files/content?path=new/dir/one.txt`)).text).toBe("dir/one.txt");
    expect(
      (await call(server, "POST", `/v1/volume/${id}/files/move`, { from: "new/file.txt", to: "taken.txt" })).status,
    ).toBe(409);
    expect(
      (await call(server, "POST", `/v1/volume/${id}/files/move`, { from: "taken.txt", to: "missing/t.txt" })).status,
    ).toBe(404);
    expect((await call(server, "POST", `/v1/volume/${id}/files/move`, { from: "/", to: "x" })).status).toBe(400);
  });
});

describe("create faults", () => {
  const create = (server: PorterServer) =>
    call(server, "POST", "/v1/sandbox/run", { image: "alpine" }).then(
      (r) => r.status,
      () => "lost",
    );

  it("drops answers after committing, fails before committing, and draws the same faults for the same seed", async () => {
    const outcomes: unknown[][] = [];
    for (let run = 0; run < 2; run++) {
      const server = await start({ faults: { seed: 7, dropCreateResponses: 0.3, failBeforeCommit: 0.2 } });
      const seen: unknown[] = [];
      for (let i = 0; i < 20; i++) seen.push(await create(server));
      const { failedBeforeCommit, droppedAfterCommit } = server.faultCounts;
      expect(seen.filter((s) => s === 503)).toHaveLength(failedBeforeCommit);
      expect(seen.filter((s) => s === "lost")).toHaveLength(droppedAfterCommit);
      expect(failedBeforeCommit).toBeGreaterThan(0);
      expect(droppedAfterCommit).toBeGreaterThan(0);
      // A lost answer still made its sandbox; a 503 made none.
      expect(server.sandboxCount).toBe(20 - failedBeforeCommit);
      outcomes.push(seen);
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
  });

  it("stalls a committed create before answering, so that a client timeout fires after the commit", async () => {
    const server = await start({ faults: { stallCreateMs: 60_000 } });
    const controller = new AbortController();
    let settled = false;
    const pending = fetch(`${server.url}/v1/sandbox/run`, {
      method: "POST",
      body: JSON.stringify({ image: "alpine" }),
      signal: controller.signal,
    }).finally(() => (settled = true));
    await until(() => server.sandboxCount === 1);
    // Committed, and still unanswered: a client giving up now gives up after the commit.
    expect([settled, server.faultCounts.stalled]).toEqual([false, 1]);
    controller.abort();
    expect(await pending.catch((e: Error) => e.name)).toBe("AbortError");
  });

  it("a slow commit makes the sandbox after a client that timed out has gone", async () => {
    const server = await start({ faults: { commitDelayMs: 200 } });
    const sentMs = Date.now();
    const aborted = await fetch(`${server.url}/v1/sandbox/run`, {
      method: "POST",
      body: JSON.stringify({ image: "alpine" }),
      signal: AbortSignal.timeout(30),
    }).catch((e: Error) => e.name);
    expect(aborted).toBe("TimeoutError");
    await until(() => server.sandboxCount === 1);
    // The commit came at least 200 ms after the request arrived, so well after the client's 30 ms timeout.
    const committedMs = Date.parse(server.store.sandboxes.values().next().value!.created_at);
    expect(committedMs - sentMs).toBeGreaterThanOrEqual(199);
  });
});
