// The SDK's public surface against a server that speaks only Porter's published API (see
// test/helpers/porter-server.ts): creates answered 202 {id, name}, errors as bare {"error"} bodies, no
// request ids, volumes with type and path, filter_values tags as "key=value" strings, file writes
// answered 307, moves of whole directories. Every test checks what went over the wire.
import { afterEach, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConflictError,
  NotFoundError,
  Porter,
  ServerError,
  StreamRedirectError,
  VolumeInUseError,
  type SandboxError,
  type VolumeSpec,
} from "../../src/index.js";
import {
  PHASES,
  usePorterServers,
  type PorterServer,
  type PorterServerOptions,
  type RecordedRequest,
} from "../helpers/porter-server.js";

const start = usePorterServers();
const clients: Porter[] = [];
afterEach(() => clients.splice(0).forEach((porter) => porter.close()));

// Porter's external base URLs carry a path prefix, which every request must keep.
const BASE_PATH = "/api/v2/alpha/projects/7/clusters/9";
const API_KEY = "sk-porter-test";

interface Setup {
  server: PorterServer;
  porter: Porter;
}

async function setup(options: PorterServerOptions = {}): Promise<Setup> {
  const server = await start({ basePath: BASE_PATH, apiKey: API_KEY, ...options });
  return { server, porter: client(server) };
}

/** A fresh client (with its own name cache) for the server. */
function client(server: PorterServer): Porter {
  const porter = new Porter({ baseUrl: server.url, apiKey: API_KEY, maxRetries: 2, retryDelayMs: 1 });
  clients.push(porter);
  return porter;
}

/** "METHOD path?query" of each request, below the base path (which `keepsBasePath` checks). */
const wire = (server: PorterServer, from = 0) =>
  server.requests.slice(from).map((r) => `${r.method} ${r.url.slice(BASE_PATH.length)}`);
const keepsBasePath = (server: PorterServer) => server.requests.every((r) => r.url.startsWith(`${BASE_PATH}/`));
const last = (server: PorterServer): RecordedRequest => server.requests.at(-1)!;

async function caught(promise: Promise<unknown>): Promise<SandboxError> {
  return promise.then(
    () => expect.unreachable("the call should have failed") as never,
    (error: SandboxError) => error,
  );
}

/** The error fields a status-only API gives: the class from the status, the code derived from it, the
 * server's message, and no request id (Porter sends none). */
function expectStatusError(error: SandboxError, status: number, code: string): void {
  expect(error.statusCode).toBe(status);
  expect(error.code).toBe(code);
  expect(error.body).toEqual({ error: expect.any(String) });
  expect(error.message).toContain((error.body as { error: string }).error);
  expect(error.requestId).toBeUndefined();
}

describe("create", () => {
  it("answers 202 {id, name} with no status: the SDK GETs the status and returns a running handle", async () => {
    const { server, porter } = await setup();
    const spec = {
      image: "python:3.12-slim",
      name: "web-1",
      command: ["sleep", "infinity"],
      env: { A: "1" },
      tags: { team: "ml" },
    };
    const sandbox = await porter.sandboxes.create(spec);
    expect(wire(server)).toEqual(["POST /v1/sandbox/run", `GET /v1/sandbox/${sandbox.id}`]);
    expect(keepsBasePath(server)).toBe(true);
    const post = server.requests[0]!;
    expect(post.json).toMatchObject({ ...spec, tags: expect.objectContaining(spec.tags) });
    expect(post.headers).toMatchObject({
      "content-type": "application/json",
      accept: "application/json",
      authorization: `Bearer ${API_KEY}`,
    });
    expect(post.headers["user-agent"]).toMatch(/^porter-sandbox-typescript\//);
    expect(server.sandbox(sandbox.id)).toMatchObject({ name: "web-1", image: "python:3.12-slim" });
    expect(sandbox).toMatchObject({ name: "web-1", image: "python:3.12-slim", phase: "running", host: "" });
    expect(sandbox.lastResponse).toMatchObject({ status: 202, requestId: undefined, replayed: false });
  });

  it("an unnamed sandbox is named by its id; a queued one is waited for with waitUntilRunning", async () => {
    const { server, porter } = await setup({ startDelayMs: 60_000 });
    const sandbox = await porter.sandboxes.create({ image: "alpine:3.20" });
    expect(sandbox.name).toBe(sandbox.id);
    expect(sandbox.phase).toBe("queued");
    const running = sandbox.waitUntilRunning({ timeoutMs: 10_000 });
    // Time passes on the server while the wait polls: whenever that happens, the next poll sees it running.
    setTimeout(() => server.skipAhead(60_000), 50);
    await running;
    expect(sandbox.phase).toBe("running");
    expect(
      wire(server)
        .slice(2)
        .every((line) => line === `GET /v1/sandbox/${sandbox.id}`),
    ).toBe(true);
  });

  it("a taken name is a 409 {error}: ConflictError, code conflict from the status, sent once", async () => {
    const { server, porter } = await setup();
    await porter.sandboxes.create({ image: "alpine:3.20", name: "taken" });
    const before = server.requests.length;
    const error = await caught(porter.sandboxes.create({ image: "alpine:3.20", name: "taken" }));
    expect(error).toBeInstanceOf(ConflictError);
    expectStatusError(error, 409, "conflict");
    expect(server.requestsTo("POST", "/v1/sandbox/run")).toHaveLength(2);
    expect(wire(server, before)[0]).toBe("POST /v1/sandbox/run");
    expect(server.sandboxesNamed("taken")).toBe(1);
  });

  it("a 503 that committed nothing is retried up to maxRetries, then ServerError; no sandbox exists", async () => {
    const { server, porter } = await setup({ faults: { failBeforeCommit: 1 } });
    const error = await caught(porter.sandboxes.create({ image: "alpine:3.20" }));
    expect(error).toBeInstanceOf(ServerError);
    expectStatusError(error, 503, "internal_error");
    expect(server.requestsTo("POST", "/v1/sandbox/run")).toHaveLength(3);
    expect(server.sandboxCount).toBe(0);
  });
});

describe("get, and errors derived from the status", () => {
  it("gets by name through the lookup endpoint, and by id straight from the status endpoint", async () => {
    const { server, porter } = await setup();
    const created = await porter.sandboxes.create({ image: "alpine:3.20", name: "by-name" });
    const fresh = client(server);
    const before = server.requests.length;
    const byName = await fresh.sandboxes.get("by-name");
    const byId = await fresh.sandboxes.get(created.id);
    expect(wire(server, before)).toEqual([
      "GET /v1/sandbox/lookup?name=by-name",
      `GET /v1/sandbox/${created.id}`,
      `GET /v1/sandbox/${created.id}`,
    ]);
    expect([byName.id, byId.name]).toEqual([created.id, "by-name"]);
  });

  it("an unknown name: the lookup's 404 {error} ends in NotFoundError, code not_found", async () => {
    const { server, porter } = await setup();
    const error = await caught(porter.sandboxes.get("no-such-box"));
    expect(error).toBeInstanceOf(NotFoundError);
    expectStatusError(error, 404, "not_found");
    expect(wire(server)[0]).toBe("GET /v1/sandbox/lookup?name=no-such-box");
  });

  it("a wrong API key: 401 {error} is AuthenticationError, code unauthenticated, not retried", async () => {
    const { server } = await setup();
    const porter = new Porter({ baseUrl: server.url, apiKey: "sk-wrong", maxRetries: 2, retryDelayMs: 1 });
    clients.push(porter);
    const error = await caught(porter.sandboxes.list());
    expect(error).toBeInstanceOf(AuthenticationError);
    expectStatusError(error, 401, "unauthenticated");
    expect(server.requests).toHaveLength(1);
    expect(error.message).not.toContain("sk-wrong");
  });
});

describe("list and counts", () => {
  async function fiveTagged(options: PorterServerOptions = {}): Promise<Setup> {
    const s = await setup(options);
    for (const n of [1, 2, 3, 4, 5])
      await s.porter.sandboxes.create({
        image: "alpine:3.20",
        name: `batch-${n}`,
        tags: { batch: "p", team: n % 2 ? "ml" : "web" },
      });
    await s.porter.sandboxes.create({ image: "python:3.12", name: "loner", tags: { batch: "q" } });
    return s;
  }

  it("pages: await gives page 1 with pagination; getNextPage and for await walk every page", async () => {
    const { server, porter } = await fiveTagged({ pageSize: 2 });
    const before = server.requests.length;
    const page = await porter.sandboxes.list({ tags: { batch: "p" } });
    expect(page.map((s) => s.name)).toEqual(["batch-1", "batch-2"]);
    expect(page.pagination).toEqual({ current_page: 1, total_pages: 3, has_next_page: true });
    expect(page.hasNextPage()).toBe(true);
    expect((await page.getNextPage()).map((s) => s.name)).toEqual(["batch-3", "batch-4"]);
    const all: string[] = [];
    for await (const sandbox of porter.sandboxes.list({ tags: { batch: "p" } })) all.push(sandbox.name);
    expect(all).toEqual(["batch-1", "batch-2", "batch-3", "batch-4", "batch-5"]);
    const pages = server.requests.slice(before).map((r) => [r.path, r.query.getAll("tag"), r.query.get("page") ?? "1"]);
    expect(pages).toEqual([
      ["/v1/sandbox", ["batch=p"], "1"],
      ["/v1/sandbox", ["batch=p"], "2"],
      ["/v1/sandbox", ["batch=p"], "1"],
      ["/v1/sandbox", ["batch=p"], "2"],
      ["/v1/sandbox", ["batch=p"], "3"],
    ]);
  });

  it("filters: every tag must match (repeated tag=key=value), phases repeated, image, name prefix", async () => {
    const { server, porter } = await fiveTagged();
    const names = async (params: Parameters<Porter["sandboxes"]["list"]>[0]) =>
      (await porter.sandboxes.list(params)).map((s) => s.name);
    expect(await names({ tags: { batch: "p", team: "ml" } })).toEqual(["batch-1", "batch-3", "batch-5"]);
    expect(last(server).url).toContain("tag=batch%3Dp&tag=team%3Dml");
    expect(await names({ phase: ["running", "queued"], image: "python:3.12" })).toEqual(["loner"]);
    expect(last(server).query.getAll("phase")).toEqual(["running", "queued"]);
    expect(await names({ search: "batch-", phase: "terminated" })).toEqual([]);
    expect(last(server).query.get("search")).toBe("batch-");
  });

  it('filter_values: tags as "key=value" strings, every image, all six phases', async () => {
    const { server, porter } = await fiveTagged();
    const page = await porter.sandboxes.list({ include_filter_values: true, tags: { batch: "q" } });
    expect(last(server).query.get("include_filter_values")).toBe("true");
    expect(page.map((s) => s.name)).toEqual(["loner"]);
    const values = page.filter_values as unknown as { tags: unknown[]; images: string[]; phases: string[] };
    expect([values.images, values.phases]).toEqual([["alpine:3.20", "python:3.12"], [...PHASES]]);
    // Cluster-wide, so tags the SDK itself puts on sandboxes may be listed too.
    expect(values.tags).toEqual(expect.arrayContaining(["batch=p", "batch=q", "team=ml", "team=web"]));
    expect(values.tags.every((tag) => typeof tag === "string" && /^[^=]+=/.test(tag))).toBe(true);
  });

  it("counts: the list's filters, no paging; points gap-free, oldest first", async () => {
    const { server, porter } = await fiveTagged();
    const counts = await porter.sandboxes.counts({ tags: { team: "ml" }, image: "alpine:3.20" });
    const sent = last(server);
    expect([sent.path, sent.query.getAll("tag"), sent.query.get("image"), sent.query.has("page")]).toEqual([
      "/v1/sandbox/counts",
      ["team=ml"],
      "alpine:3.20",
      false,
    ]);
    expect(counts.points.reduce((n, p) => n + p.count, 0)).toBe(3);
    const starts = counts.points.map((p) => Date.parse(p.timestamp));
    expect(starts.slice(1).every((t, i) => t - starts[i]! === counts.granularity_ms)).toBe(true);
  });
});

describe("exec, logs, terminate", () => {
  it("exec returns stdout and the exit code; a non-zero exit is a result; each exec is sent once", async () => {
    const { server, porter } = await setup();
    const sandbox = await porter.sandboxes.create({ image: "alpine:3.20" });
    const before = server.requests.length;
    expect(await sandbox.exec(["echo", "hello", "world"])).toMatchObject({
      stdout: "hello world\n",
      stderr: "",
      exit_code: 0,
    });
    expect((await sandbox.exec(["sh", "-c", "exit 3"])).exit_code).toBe(3);
    expect(wire(server, before)).toEqual([
      `POST /v1/sandbox/${sandbox.id}/exec`,
      `POST /v1/sandbox/${sandbox.id}/exec`,
    ]);
    expect(server.requests[before]!.json).toEqual({ command: ["echo", "hello", "world"] });
  });

  it("exec on a sandbox that is not running: 409 {error} is ConflictError, not retried", async () => {
    const { server, porter } = await setup({ startDelayMs: 60_000 });
    const sandbox = await porter.sandboxes.create({ image: "alpine:3.20" });
    const error = await caught(sandbox.exec(["echo", "hi"]));
    expect(error).toBeInstanceOf(ConflictError);
    expectStatusError(error, 409, "conflict");
    expect(server.requestsTo("POST", `/v1/sandbox/${sandbox.id}/exec`)).toHaveLength(1);
  });

  it("logs: limit and since are sent; exec output carries its exec_id, the workload's an empty one", async () => {
    const { server, porter } = await setup();
    const sandbox = await porter.sandboxes.create({ image: "alpine:3.20", name: "talker" });
    await sandbox.exec(["echo", "from exec"]);
    const lines = await sandbox.logs({ limit: 50, since: "30m" });
    expect(last(server).url).toBe(`${BASE_PATH}/v1/sandbox/${sandbox.id}/logs?limit=50&since=30m`);
    expect(lines.map((l) => [l.line, l.level, l.exec_id === ""])).toEqual([
      ["sandbox talker started", "info", true],
      ["from exec", "info", false],
    ]);
  });

  it.each([204, 200] as const)(
    "terminate answered %i with an empty body: the handle reports the ended record",
    async (status) => {
      const { server, porter } = await setup({ terminateStatus: status });
      const sandbox = await porter.sandboxes.create({ image: "alpine:3.20", name: `end-${status}` });
      const before = server.requests.length;
      const ended = await porter.sandboxes.terminate(`end-${status}`);
      expect(wire(server, before).slice(0, 2)).toEqual([
        `DELETE /v1/sandbox/${sandbox.id}`,
        `GET /v1/sandbox/${sandbox.id}`,
      ]);
      expect(server.requests[before]!.body).toHaveLength(0);
      expect(ended).toMatchObject({ id: sandbox.id, phase: "terminated", finished_at: expect.any(String) });
      expect(server.sandbox(sandbox.id)!.phase).toBe("terminated");
    },
  );
});

describe("volumes", () => {
  it("create, get and list return Porter's Volume: type disk and path volumes/<id>", async () => {
    const { server, porter } = await setup();
    const volume = await porter.volumes.create({ name: "data" });
    expect(server.requests[0]!.json).toEqual({ name: "data" });
    const expected = {
      id: volume.id,
      name: "data",
      type: "disk",
      path: `volumes/${volume.id}`,
      phase: "ready",
      attached_to: [],
      created_at: expect.any(String),
    };
    expect(volume.toJSON()).toEqual(expected);
    expect((await porter.volumes.get("data")).toJSON()).toEqual(expected);
    expect(wire(server).slice(1)).toEqual(["GET /v1/volume/lookup?name=data", `GET /v1/volume/${volume.id}`]);
    expect((await porter.volumes.list()).map((v) => v.toJSON())).toEqual([expected]);
  });

  it('an object volume: the spec\'s type and object are sent; its record has path "" and echoes object', async () => {
    const { server, porter } = await setup();
    const object = { bucket: "ml-datasets", prefix: "train", access: "read_only" };
    const volume = await porter.volumes.create({ name: "bucket", type: "object", object } as VolumeSpec);
    expect(server.requests[0]!.json).toEqual({ name: "bucket", type: "object", object });
    expect(volume.toJSON()).toMatchObject({ type: "object", object, path: "" });
  });

  it("delete while attached: 409 {error} is VolumeInUseError naming the holder (from the record); after terminate it deletes", async () => {
    const { server, porter } = await setup();
    const volume = await porter.volumes.create({ name: "held" });
    const sandbox = await porter.sandboxes.create({ image: "alpine:3.20", volume_mounts: { "/mnt/data": volume.id } });
    expect(sandbox.volume_mounts).toEqual({ "/mnt/data": volume.id });
    const error = await caught(volume.delete());
    expect(error).toBeInstanceOf(VolumeInUseError);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as VolumeInUseError).attached_to).toEqual([sandbox.id]);
    expect(error.statusCode).toBe(409);
    await sandbox.terminate();
    const before = server.requests.length;
    await porter.volumes.delete(volume.id);
    expect(wire(server, before)).toEqual([`DELETE /v1/volume/${volume.id}`]);
    expect(await caught(porter.volumes.get(volume.id))).toBeInstanceOf(NotFoundError);
  });
});

describe("volume files", () => {
  async function withVolume(options: PorterServerOptions = {}) {
    const s = await setup(options);
    const volume = await s.porter.volumes.create({ name: "files" });
    s.server.requests.length = 0;
    return { ...s, volume };
  }

  it("a write is answered 307; the SDK re-sends the same bytes to the Location, credentials kept on the same origin", async () => {
    const { server, volume } = await withVolume();
    await volume.writeText("notes/hello.txt", "hi there");
    expect(wire(server)).toEqual([
      `PUT /v1/volume/${volume.id}/files/content?path=notes%2Fhello.txt`,
      `PUT /upload/v1/volume/${volume.id}/files/content?path=notes%2Fhello.txt`,
    ]);
    for (const r of server.requests) {
      expect(r.body.toString()).toBe("hi there");
      expect(r.headers).toMatchObject({
        "content-type": "application/octet-stream",
        authorization: `Bearer ${API_KEY}`,
      });
    }
    expect(await volume.readText("notes/hello.txt")).toBe("hi there");
  });

  it("a ReadableStream write cannot follow the 307 (it can be sent once): StreamRedirectError, nothing written; as a Blob it goes through", async () => {
    const { server, volume } = await withVolume();
    const error = await volume
      .writeFile("big/stream.bin", new Blob(["streamed ", "bytes"]).stream())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamRedirectError);
    expect((error as SandboxError).code).toBe("stream_redirected");
    expect(server.requestsTo("PUT", `/upload/v1/volume/${volume.id}/files/content`)).toHaveLength(0);
    await expect(volume.readText("big/stream.bin")).rejects.toBeInstanceOf(NotFoundError);
    await volume.writeFile("big/stream.bin", await new Response(new Blob(["streamed ", "bytes"]).stream()).blob());
    expect(server.requestsTo("PUT", `/upload/v1/volume/${volume.id}/files/content`)).toHaveLength(1);
    expect(await volume.readText("big/stream.bin")).toBe("streamed bytes");
  });

  it("listdir: one request answers the nested tree, directories first, each by name", async () => {
    const { server, volume } = await withVolume();
    for (const path of ["b.txt", "a/deep/y.txt", "a/x.txt"]) server.putFile(volume.id, path, "12345");
    const listing = await volume.listdir();
    const file = (name: string) => ({ name, type: "file", size_bytes: 5, modified_at: expect.any(String) });
    const dir = (name: string, entries: unknown[]) => ({
      name,
      type: "directory",
      size_bytes: 0,
      modified_at: expect.any(String),
      entries,
    });
    expect(listing).toEqual({
      path: "/",
      truncated: false,
      entries: [dir("a", [dir("deep", [file("y.txt")]), file("x.txt")]), file("b.txt")],
    });
    expect(wire(server)).toEqual([`GET /v1/volume/${volume.id}/files`]);
  });

  it("iterdir walks the whole tree when the walk's budget leaves directories truncated", async () => {
    const { server, volume } = await withVolume({ fileEntryBudget: 3 });
    const files = ["r.txt", "a/1.txt", "a/2.txt", "a/sub/3.txt", "b/4.txt", "b/c/5.txt"];
    for (const path of files) server.putFile(volume.id, path, path);
    const seen: string[] = [];
    for await (const entry of volume.iterdir()) if (entry.type === "file") seen.push(entry.path.replace(/^\//, ""));
    expect(seen.sort()).toEqual([...files].sort());
    expect(server.requests.length).toBeGreaterThan(1);
  });

  it("search finds matches anywhere in the walked tree and leaves other files out", async () => {
    const { server, volume } = await withVolume();
    for (const path of ["top.txt", "a/b/Deep-Needle.txt", "a/other.txt", "needle-dir/inner.txt"])
      server.putFile(volume.id, path, "x");
    const found = await volume.search("needle");
    expect(last(server).query.get("search")).toBe("needle");
    const names = namesIn(found);
    expect(names).toEqual(expect.arrayContaining(["Deep-Needle.txt", "needle-dir"]));
    expect(names).not.toContain("top.txt");
    expect(names).not.toContain("other.txt");
  });

  it("reads a byte range (Range sent, 206 Content-Range), a ranged empty file (200, no Content-Range), and streams", async () => {
    const { server, volume } = await withVolume();
    server.putFile(volume.id, "f.bin", "0123456789");
    server.putFile(volume.id, "empty.bin", "");
    expect(await volume.readText("f.bin", { offset: 2, length: 3 })).toBe("234");
    expect(last(server).headers.range).toBe("bytes=2-4");
    expect(await volume.readFile("empty.bin", { offset: 0, length: 10 })).toEqual(new Uint8Array());
    expect(last(server).headers.range).toBe("bytes=0-9");
    const chunks: string[] = [];
    for await (const chunk of volume.stream("f.bin", { chunkBytes: 4 })) chunks.push(new TextDecoder().decode(chunk));
    expect(chunks.join("")).toBe("0123456789");
    const empty: Uint8Array[] = [];
    for await (const chunk of volume.stream("empty.bin")) empty.push(chunk);
    expect(empty.reduce((n, c) => n + c.length, 0)).toBe(0);
  });

  it("reading a missing file is NotFoundError from a bare 404 {error}", async () => {
    const { volume } = await withVolume();
    const error = await caught(volume.readFile("nope.txt"));
    expect(error).toBeInstanceOf(NotFoundError);
    expectStatusError(error, 404, "not_found");
  });

  it("moves a file and a whole directory; an occupied target is ConflictError and nothing moves", async () => {
    const { server, volume } = await withVolume();
    for (const path of ["one.txt", "dir/a.txt", "dir/sub/b.txt", "archive/keep.txt"])
      server.putFile(volume.id, path, path);
    await volume.moveFile("one.txt", "archive/one.txt");
    await volume.moveFile("dir", "archive/dir");
    expect(server.requestsTo("POST", `/v1/volume/${volume.id}/files/move`).map((r) => r.json)).toEqual([
      { from: "one.txt", to: "archive/one.txt" },
      { from: "dir", to: "archive/dir" },
    ]);
    expect(await volume.readText("archive/dir/sub/b.txt")).toBe("dir/sub/b.txt");
    expect(await volume.readText("archive/one.txt")).toBe("one.txt");
    const occupied = await caught(volume.moveFile("archive/one.txt", "archive/keep.txt"));
    expect(occupied).toBeInstanceOf(ConflictError);
    expectStatusError(occupied, 409, "conflict");
    expect(await volume.readText("archive/one.txt")).toBe("one.txt");
    expect(await caught(volume.moveFile("archive/keep.txt", "missing/keep.txt"))).toBeInstanceOf(NotFoundError);
  });
});

// Endpoints with no ergonomic method yet, through `porter.raw`. Typed loosely: until the spec has
// Porter's metrics endpoints and snapshot shapes, their routes and bodies are not in `paths`.
type LooseCall = (
  route: string,
  init?: { params?: Record<string, Record<string, unknown>>; body?: unknown },
) => Promise<{ data?: any; error?: unknown; response: Response }>;
const raw = (porter: Porter) => porter.raw as unknown as Record<"GET" | "POST" | "DELETE", LooseCall>;

describe("snapshots and metrics (porter.raw), and creating from a snapshot", () => {
  it("a snapshot is created with {mode} and answered pending; the list shows it ready; delete is 204", async () => {
    const { server, porter } = await setup({ snapshotReadyMs: 60_000 });
    const sandbox = await porter.sandboxes.create({ image: "alpine:3.20" });
    const created = await raw(porter).POST("/v1/sandbox/{id}/snapshot", {
      params: { path: { id: sandbox.id } },
      body: { mode: "filesystem" },
    });
    expect(last(server).json).toEqual({ mode: "filesystem" });
    expect([created.response.status, created.data]).toEqual([
      202,
      {
        id: expect.any(String),
        sandbox_id: sandbox.id,
        mode: "filesystem",
        status: "pending",
        t_created_unix_ms: expect.any(Number),
      },
    ]);
    server.skipAhead(60_000);
    const { data: list } = await raw(porter).GET("/v1/snapshot", { params: { query: { sandbox_id: sandbox.id } } });
    expect(last(server).url).toBe(`${BASE_PATH}/v1/snapshot?sandbox_id=${sandbox.id}`);
    expect(list.snapshots).toEqual([
      expect.objectContaining({ id: created.data.id, status: "ready", t_ready_unix_ms: expect.any(Number) }),
    ]);
    const deleted = await raw(porter).DELETE("/v1/snapshot/{id}", { params: { path: { id: created.data.id } } });
    expect(deleted.response.status).toBe(204);
  });

  it("a sandbox starts from a ready snapshot with snapshot_id and an empty image", async () => {
    const { server, porter } = await setup();
    const source = await porter.sandboxes.create({ image: "alpine:3.20" });
    const { data: snap } = await raw(porter).POST("/v1/sandbox/{id}/snapshot", {
      params: { path: { id: source.id } },
      body: {},
    });
    const restored = await porter.sandboxes.create({ image: "", snapshot_id: snap.id } as Parameters<
      Porter["sandboxes"]["create"]
    >[0]);
    expect(server.requestsTo("POST", "/v1/sandbox/run").at(-1)!.json).toMatchObject({
      image: "",
      snapshot_id: snap.id,
    });
    expect(restored.phase).toBe("running");
  });

  it("metrics-summary (has_data false) and metrics (one result, one series) are read with their query", async () => {
    const { server, porter } = await setup();
    const sandbox = await porter.sandboxes.create({ image: "alpine:3.20" });
    const { data: summary } = await raw(porter).GET("/v1/sandbox/{id}/metrics-summary", {
      params: { path: { id: sandbox.id }, query: { since: "1h" } },
    });
    expect(summary).toMatchObject({ window_seconds: 3600, has_data: false, cpu_util_p90_pct: 0 });
    const query = {
      metric: "memory_usage",
      start_time_utc: "2026-01-01T00:00:00Z",
      end_time_utc: "2026-01-01T00:10:00Z",
    };
    const { data: metrics } = await raw(porter).GET("/v1/sandbox/{id}/metrics", {
      params: { path: { id: sandbox.id }, query },
    });
    expect(Object.fromEntries(last(server).query)).toEqual(query);
    expect(metrics.results[0].series[0]).toMatchObject({
      unit: "bytes",
      time_series: expect.arrayContaining([{ timestamp_utc: "2026-01-01T00:05:00.000Z", value: 0.25 }]),
    });
  });
});

describe("snapshots, metrics and object volumes through the SDK's own methods", () => {
  it("porter.snapshots: create by name with { mode }, wait until ready, list by sandbox, delete; a sandbox starts from it without an image", async () => {
    const { server, porter } = await setup({ snapshotReadyMs: 150 });
    await porter.sandboxes.create({ image: "alpine:3.20", name: "source" });
    const snapshot = await porter.snapshots.create("source", { mode: "filesystem" });
    expect([snapshot.status, snapshot.mode]).toEqual(["pending", "filesystem"]);
    await snapshot.waitUntilReady();
    expect(snapshot.status).toBe("ready");
    const listed = await porter.snapshots.list({ sandbox_id: "source" });
    expect(listed.map((s) => s.id)).toEqual([snapshot.id]);
    const copy = await porter.sandboxes.create({ snapshot_id: snapshot.id });
    expect(server.requestsTo("POST", "/v1/sandbox/run").at(-1)!.json).toMatchObject({
      image: "",
      snapshot_id: snapshot.id,
    });
    expect(copy.phase).toBe("running");
    await snapshot.delete();
    expect(wire(server).at(-1)).toBe(`DELETE /v1/snapshot/${snapshot.id}`);
    expect(await porter.snapshots.list({ sandbox_id: "source" })).toEqual([]);
    expect(keepsBasePath(server)).toBe(true);
  });

  it("sandbox.metricsSummary() and sandbox.metrics() read Porter's shapes", async () => {
    const { server, porter } = await setup();
    const sandbox = await porter.sandboxes.create({ image: "alpine:3.20" });
    const summary = await sandbox.metricsSummary({ since: "1h" });
    expect(summary).toMatchObject({ window_seconds: 3600, has_data: false });
    const metrics = await sandbox.metrics({
      metric: "memory_usage",
      start: new Date("2026-01-01T00:00:00Z"),
      end: "2026-01-01T00:10:00Z",
    });
    expect(Object.fromEntries(last(server).query)).toEqual({
      metric: "memory_usage",
      start_time_utc: "2026-01-01T00:00:00.000Z",
      end_time_utc: "2026-01-01T00:10:00Z",
    });
    expect(metrics.results[0]!.series[0]!.unit).toBe("bytes");
  });

  it("an object volume is created with its bucket and comes back with type object and an empty path", async () => {
    const { server, porter } = await setup();
    const object = { bucket: "acme-datasets", prefix: "train", access: "read_only" as const };
    const volume = await porter.volumes.create({ name: "training-data", type: "object", object });
    expect(last(server).json).toEqual({ name: "training-data", type: "object", object });
    expect([volume.type, volume.path, volume.object]).toEqual(["object", "", object]);
  });
});

/** Every `name` in a search result, at any depth, whatever its shape (a listing, or a list of entries). */
function namesIn(result: unknown): string[] {
  if (Array.isArray(result)) return result.flatMap(namesIn);
  if (typeof result !== "object" || result === null) return [];
  const { name, entries } = result as { name?: unknown; entries?: unknown };
  return [...(typeof name === "string" ? [name] : []), ...namesIn(entries)];
}
