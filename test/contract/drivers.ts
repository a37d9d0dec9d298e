// One driver per operation in the spec: how the SDK calls it. Through the ergonomic client where it
// wraps the operation (file operations through the `Volume` handle), through `porter.raw` where it does not
// (snapshots and metrics: their wrappers, porter.snapshots and sandbox.metricsSummary()/metrics(), are
// newer than these drivers and are not driven here yet).
//
// The spec-driven suites (responses.contract.test.ts) look up every operation of the spec here: an
// operation without a driver fails there, by name, so a newly declared endpoint cannot go untested.
import { expect } from "vitest";
import { IDEMPOTENCY_TAG, type Porter, type RequestOptions } from "../../src/index.js";
import { Sandbox } from "../../src/resources/sandboxes/sandbox.js";
import { Volume } from "../../src/resources/volumes/volume.js";
import type { Exchange, Recorder } from "./recorder.js";

/** Ids used in the spec's examples, so that requests to the mock look like the documented ones. */
export const IDS = {
  sandbox: "sbx_01jc8k2m9q4r7t3v6w8x0y2z4a",
  sandboxName: "nightly-eval",
  volume: "vol_01jc8h3j5k7m9n1p3q5r7s9t1c",
  volumeName: "data-cache",
  snapshot: "snap_01jc9a2b4c6d8e0f2g4h6j8k0m",
} as const;

/** The metrics query of the spec's examples: CPU usage over one hour. */
export const METRICS_QUERY = {
  metric: "cpu_usage",
  start_time_utc: "2025-11-21T14:00:00Z",
  end_time_utc: "2025-11-21T15:00:00Z",
} as const;

export interface DriverContext {
  porter: Porter;
  rec: Recorder;
}

/** What a raw call answered when it was not a 2xx (openapi-fetch reports errors instead of throwing). */
export class RawFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: unknown,
    readonly response: Response,
  ) {
    super(`raw call answered ${status}: ${JSON.stringify(error)}`);
  }
}

interface RawResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Unwraps a raw result: its data on a 2xx, a `RawFailure` otherwise. */
export async function raw<T>(call: Promise<RawResult<T>>): Promise<{ data: T | undefined; response: Response }> {
  const { data, error, response } = await call;
  if (!response.ok) throw new RawFailure(response.status, error, response);
  return { data, response };
}

interface FileEntry {
  name: string;
  type: string;
  truncated?: boolean;
  entries?: FileEntry[];
}

/** The entries of a nested listing whose own name contains `term` (case-insensitively), with their paths. */
function matching(entries: FileEntry[], dir: string, term: string): unknown[] {
  return entries.flatMap(({ entries: inner, truncated, ...entry }) => {
    const path = `${dir.replace(/\/$/, "")}/${entry.name}`;
    const own = entry.type === "directory" ? { ...entry, path, truncated: truncated === true } : { ...entry, path };
    const found = entry.name.toLowerCase().includes(term) ? [own] : [];
    return [...found, ...(truncated ? [] : matching(inner ?? [], path, term))];
  });
}

export interface Served {
  status: number;
  /** The example's value (undefined for a response without a body). */
  value: unknown;
  /** The exchange of the operation under test. */
  exchange: Exchange;
}

export interface Driver {
  via: "sdk" | "raw";
  /** The call, in words. */
  how: string;
  /** Calls the operation with `opts` (per-request headers such as `Prefer`, `maxRetries`). `status` is the
   * response the test asks for, for the few calls whose request differs by it (a `Range` for 206). */
  run(ctx: DriverContext, opts: RequestOptions, status: number): Promise<unknown>;
  /** `Prefer` for other operations the call makes (a poll that must see an ended sandbox, a search that
   * must find nothing). */
  aux?: Record<string, string>;
  /** Other operations that must answer the same error as the one under test, by status (a fallback the
   * SDK makes after that error, which would otherwise succeed). */
  sameOnError?: Record<number, string[]>;
  /** Asserts that what the SDK returned carries what was served. */
  check?(result: unknown, served: Served, rec: Recorder): void;
}

const sandboxHandle = (ctx: DriverContext) => ctx.porter.sandboxes.get(IDS.sandbox);
const volumeHandle = (ctx: DriverContext) => ctx.porter.volumes.get(IDS.volume);
const FILE_TEXT = '{"accuracy": 0.913, "samples": 1200}\n';
const volumePath = (id: string) => `/v1/volume/${id}`;

export const DRIVERS: Record<string, Driver> = {
  healthCheck: {
    via: "sdk",
    how: "porter.healthz.healthCheck()",
    run: ({ porter }, opts) => porter.healthz.healthCheck(opts),
    check: (result, { value }) => expect(result).toEqual(value),
  },
  readinessCheck: {
    via: "sdk",
    how: "porter.readyz.readinessCheck()",
    run: ({ porter }, opts) => porter.readyz.readinessCheck(opts),
    check: (result, { value }) => expect(result).toEqual(value),
  },
  createSandbox: {
    via: "sdk",
    how: "porter.sandboxes.create(spec)",
    run: ({ porter }, opts) =>
      porter.sandboxes.create(
        {
          image: "python:3.12-slim",
          name: IDS.sandboxName,
          command: ["sleep", "infinity"],
          env: { PYTHONUNBUFFERED: "1" },
          tags: { workflow: "nightly-eval" },
          volume_mounts: { "/mnt/data": IDS.volume },
          resources: { cpu: "500m", memory: "512Mi" },
          ttl_seconds: 3600,
        },
        opts,
      ),
    // After a 5xx the create's outcome is unknown and the SDK looks for the sandbox by the tag it sent;
    // on the mock that search must find nothing, or any example sandbox would pass for it.
    aux: { listSandboxes: "example=empty" },
    check: (result, { value, exchange }, rec) => {
      // The spec as given plus the tag that carries the call's idempotency key.
      const key = exchange.requestHeaders.get("idempotency-key");
      expect(JSON.parse(exchange.requestBody!).tags).toEqual({ workflow: "nightly-eval", [IDEMPOTENCY_TAG]: key });
      expect(rec.of("listSandboxes"), "an answered create searches for nothing").toEqual([]);
      // Porter answers a create with the id and name; the SDK then fetches the record of that id.
      const created = value as { id: string };
      expect(result).toBeInstanceOf(Sandbox);
      expect(rec.one("getSandbox").pathname).toBe(`/v1/sandbox/${created.id}`);
      expect((result as Sandbox).id).toBe(JSON.parse(rec.one("getSandbox").responseBody).id);
    },
  },
  listSandboxes: {
    via: "sdk",
    how: "await porter.sandboxes.list(filters)",
    run: async ({ porter }, opts) =>
      await porter.sandboxes.list(
        {
          tags: { workflow: "nightly-eval", team: "ml" },
          phase: ["running", "succeeded"],
          image: "python:3.12-slim",
          search: "nightly-",
          include_filter_values: true,
        },
        opts,
      ),
    check: (result, { value, exchange }) => {
      expect(exchange.query.getAll("tag")).toEqual(["workflow=nightly-eval", "team=ml"]);
      expect(exchange.query.getAll("phase")).toEqual(["running", "succeeded"]);
      expect(Object.fromEntries([...exchange.query].filter(([k]) => k !== "tag" && k !== "phase"))).toEqual({
        image: "python:3.12-slim",
        search: "nightly-",
        include_filter_values: "true",
        page: "1",
      });
      const page = result as Awaited<ReturnType<Porter["sandboxes"]["list"]>>;
      const v = value as { sandboxes: unknown[]; pagination: { has_next_page: boolean }; filter_values?: unknown };
      expect(page.every((s) => s instanceof Sandbox)).toBe(true);
      expect(page.map((s) => s.toJSON())).toEqual(v.sandboxes);
      expect(page.pagination).toEqual(v.pagination);
      expect(page.hasNextPage()).toBe(v.pagination.has_next_page);
      expect(page.filter_values).toEqual(v.filter_values);
    },
  },
  countSandboxes: {
    via: "sdk",
    how: "porter.sandboxes.counts(filters)",
    run: ({ porter }, opts) =>
      porter.sandboxes.counts(
        {
          tags: { workflow: "etl", team: "data" },
          phase: ["succeeded", "failed"],
          start_time: "2025-11-21T00:00:00Z",
          end_time: "2025-11-22T00:00:00Z",
        },
        opts,
      ),
    check: (result, { value, exchange }) => {
      // The list filters, repeated parameters included, without `page` or `include_filter_values`.
      expect(exchange.query.getAll("tag")).toEqual(["workflow=etl", "team=data"]);
      expect(exchange.query.getAll("phase")).toEqual(["succeeded", "failed"]);
      expect(Object.fromEntries([...exchange.query].filter(([k]) => k !== "tag" && k !== "phase"))).toEqual({
        start_time: "2025-11-21T00:00:00Z",
        end_time: "2025-11-22T00:00:00Z",
      });
      expect(result).toEqual(value);
    },
  },
  lookupSandbox: {
    via: "sdk",
    how: "porter.sandboxes.get(name): lookup, then get by the id found",
    run: ({ porter }, opts) => porter.sandboxes.get(IDS.sandboxName, opts),
    // A lookup 404 makes the SDK try the argument as an id (ids may look like names); that get must fail too.
    sameOnError: { 404: ["getSandbox"] },
    check: (result, { value }, rec) => {
      expect(rec.one("lookupSandbox").query.get("name")).toBe(IDS.sandboxName);
      expect(rec.one("getSandbox").pathname).toBe(`/v1/sandbox/${(value as { id: string }).id}`);
      expect(result).toBeInstanceOf(Sandbox);
    },
  },
  getSandbox: {
    via: "sdk",
    how: "porter.sandboxes.get(id)",
    run: ({ porter }, opts) => porter.sandboxes.get(IDS.sandbox, opts),
    check: (result, { value }, rec) => {
      expect(rec.of("lookupSandbox")).toEqual([]); // an id is never looked up
      expect(result).toBeInstanceOf(Sandbox);
      expect((result as Sandbox).toJSON()).toEqual(value);
    },
  },
  terminateSandbox: {
    via: "sdk",
    how: "porter.sandboxes.terminate(id), which then reads the record once",
    run: ({ porter }, opts) => porter.sandboxes.terminate(IDS.sandbox, opts),
    aux: { getSandbox: "example=terminated" },
    check: (result, _served, rec) => {
      expect(rec.one("terminateSandbox").pathname).toBe(`/v1/sandbox/${IDS.sandbox}`);
      expect((result as Sandbox).phase).toBe("terminated");
    },
  },
  execSandbox: {
    via: "sdk",
    how: "sandbox.exec(argv)",
    run: async (ctx, opts) => (await sandboxHandle(ctx)).exec(["python", "-c", "print('hi')"], opts),
    check: (result, { value, exchange }) => {
      expect(JSON.parse(exchange.requestBody!)).toEqual({ command: ["python", "-c", "print('hi')"] });
      expect(result).toEqual(value);
    },
  },
  getSandboxLogs: {
    via: "sdk",
    how: "sandbox.logs({ since, limit })",
    run: async (ctx, opts) => (await sandboxHandle(ctx)).logs({ since: "1h", limit: 100 }, opts),
    check: (result, { value, exchange }) => {
      expect(Object.fromEntries(exchange.query)).toEqual({ since: "1h", limit: "100" });
      expect(result).toEqual((value as { logs: unknown }).logs);
    },
  },
  getSandboxMetricsSummary: {
    via: "raw",
    how: "porter.raw.GET('/v1/sandbox/{id}/metrics-summary')",
    run: ({ porter }, opts) =>
      raw(
        porter.raw.GET("/v1/sandbox/{id}/metrics-summary", {
          params: { path: { id: IDS.sandbox }, query: { since: "1h" } },
          headers: opts.headers,
        }),
      ),
    check: (result, { value, exchange }) => {
      expect(exchange.pathname).toBe(`/v1/sandbox/${IDS.sandbox}/metrics-summary`);
      expect(Object.fromEntries(exchange.query)).toEqual({ since: "1h" });
      expect((result as { data: unknown }).data).toEqual(value);
    },
  },
  getSandboxMetrics: {
    via: "raw",
    how: "porter.raw.GET('/v1/sandbox/{id}/metrics')",
    run: ({ porter }, opts) =>
      raw(
        porter.raw.GET("/v1/sandbox/{id}/metrics", {
          params: { path: { id: IDS.sandbox }, query: METRICS_QUERY },
          headers: opts.headers,
        }),
      ),
    check: (result, { value, exchange }) => {
      expect(exchange.pathname).toBe(`/v1/sandbox/${IDS.sandbox}/metrics`);
      expect(Object.fromEntries(exchange.query)).toEqual(METRICS_QUERY);
      expect((result as { data: unknown }).data).toEqual(value);
    },
  },
  createSnapshot: {
    via: "raw",
    how: "porter.raw.POST('/v1/sandbox/{id}/snapshot')",
    run: ({ porter }, opts) =>
      raw(
        porter.raw.POST("/v1/sandbox/{id}/snapshot", {
          params: { path: { id: IDS.sandbox } },
          body: { mode: "filesystem" },
          headers: opts.headers,
        }),
      ),
    check: (result, { value, exchange }) => {
      expect(JSON.parse(exchange.requestBody!)).toEqual({ mode: "filesystem" });
      expect((result as { data: unknown }).data).toEqual(value);
    },
  },
  listSnapshots: {
    via: "raw",
    how: "porter.raw.GET('/v1/snapshot')",
    run: ({ porter }, opts) =>
      raw(porter.raw.GET("/v1/snapshot", { params: { query: { sandbox_id: IDS.sandbox } }, headers: opts.headers })),
    check: (result, { value, exchange }) => {
      expect(exchange.query.get("sandbox_id")).toBe(IDS.sandbox);
      expect((result as { data: unknown }).data).toEqual(value);
    },
  },
  deleteSnapshot: {
    via: "raw",
    how: "porter.raw.DELETE('/v1/snapshot/{id}')",
    run: ({ porter }, opts) =>
      raw(porter.raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: IDS.snapshot } }, headers: opts.headers })),
    check: (_result, { exchange }) => expect(exchange.pathname).toBe(`/v1/snapshot/${IDS.snapshot}`),
  },
  listVolumes: {
    via: "sdk",
    how: "porter.volumes.list()",
    run: ({ porter }, opts) => porter.volumes.list(opts),
    check: (result, { value }) => {
      const volumes = result as Volume[];
      expect(volumes.every((v) => v instanceof Volume)).toBe(true);
      expect(volumes.map((v) => v.toJSON())).toEqual((value as { volumes: unknown }).volumes);
    },
  },
  createVolume: {
    via: "sdk",
    how: "porter.volumes.create({ name })",
    run: ({ porter }, opts) => porter.volumes.create({ name: IDS.volumeName }, opts),
    check: (result, { value, exchange }) => {
      expect(JSON.parse(exchange.requestBody!)).toEqual({ name: IDS.volumeName });
      expect(exchange.requestHeaders.get("idempotency-key")).toBeTruthy();
      expect(result).toBeInstanceOf(Volume);
      expect((result as Volume).toJSON()).toEqual(value);
    },
  },
  lookupVolume: {
    via: "sdk",
    how: "porter.volumes.get(name): lookup, then get by the id found",
    run: ({ porter }, opts) => porter.volumes.get(IDS.volumeName, opts),
    sameOnError: { 404: ["getVolume"] },
    check: (result, { value }, rec) => {
      expect(rec.one("lookupVolume").query.get("name")).toBe(IDS.volumeName);
      expect(rec.one("getVolume").pathname).toBe(volumePath((value as { id: string }).id));
      expect(result).toBeInstanceOf(Volume);
    },
  },
  getVolume: {
    via: "sdk",
    how: "porter.volumes.get(id)",
    run: ({ porter }, opts) => porter.volumes.get(IDS.volume, opts),
    check: (result, { value }, rec) => {
      expect(rec.of("lookupVolume")).toEqual([]);
      expect((result as Volume).toJSON()).toEqual(value);
    },
  },
  deleteVolume: {
    via: "sdk",
    how: "porter.volumes.delete(id)",
    run: ({ porter }, opts) => porter.volumes.delete(IDS.volume, opts),
    check: (result, { exchange }) => {
      expect(exchange.pathname).toBe(volumePath(IDS.volume));
      expect(result).toBeUndefined();
    },
  },
  listVolumeFiles: {
    via: "sdk",
    how: "volume.search(text, dir) (volume.listdir(dir) sends the same request without `search`)",
    run: async (ctx, opts) => (await volumeHandle(ctx)).search(".parquet", "datasets", opts),
    check: (result, { value, exchange }) => {
      expect(Object.fromEntries(exchange.query)).toEqual({ path: "datasets", search: ".parquet" });
      // The SDK flattens the nested answer and keeps the entries whose own name contains the term, each
      // with its path from the walked directory; it does not enter directories marked truncated.
      const answer = value as { path: string; truncated: boolean; entries: FileEntry[] };
      expect(result).toEqual({
        path: answer.path,
        truncated: answer.truncated,
        entries: matching(answer.entries, answer.path, ".parquet"),
      });
    },
  },
  readVolumeFile: {
    via: "sdk",
    how: "volume.readFile(path, range?)",
    run: async (ctx, opts, status) =>
      (await volumeHandle(ctx)).readFile("results.json", status === 206 ? { offset: 0, length: 16 } : undefined, opts),
    check: (result, { value, status, exchange }) => {
      expect(exchange.query.get("path")).toBe("results.json");
      expect(exchange.requestHeaders.get("range")).toBe(status === 206 ? "bytes=0-15" : null);
      expect(result).toBeInstanceOf(Uint8Array);
      expect(new TextDecoder().decode(result as Uint8Array)).toBe(value);
    },
  },
  writeVolumeFile: {
    via: "sdk",
    how: "volume.writeFile(path, data)",
    run: async (ctx, opts) => (await volumeHandle(ctx)).writeFile("results.json", FILE_TEXT, opts),
    check: (result, { exchange }) => {
      expect(exchange.query.get("path")).toBe("results.json");
      expect(exchange.requestHeaders.get("content-type")).toBe("application/octet-stream");
      expect(exchange.requestBody).toBe(FILE_TEXT);
      expect(result).toBeUndefined();
    },
  },
  moveVolumeFile: {
    via: "sdk",
    how: "volume.moveFile(from, to)",
    run: async (ctx, opts) =>
      (await volumeHandle(ctx)).moveFile("results.json", "archive/results-2025-11-21.json", opts),
    check: (result, { exchange }) => {
      expect(JSON.parse(exchange.requestBody!)).toEqual({
        from: "results.json",
        to: "archive/results-2025-11-21.json",
      });
      expect(result).toBeUndefined();
    },
  },
};

/**
 * What Prism cannot serve meaningfully, by operation. Prism answers these operations from static examples
 * (so their requests, error responses and example shapes ARE exercised above), but it cannot check the
 * behaviour that matters for file content. That is covered by the local server's tests (the stateful
 * implementation in src/local, tested under test/local) and by the local-proxy target of the scenario suite.
 */
export const PRISM_CANNOT_SERVE: Record<string, string> = {
  readVolumeFile:
    "binary response: Prism serves one fixed text example whatever was written, ignores `Range` (206 only on `Prefer: code=206`, " +
    "with the example's fixed Content-Range) and never answers 416 on its own, so byte fidelity, non-UTF-8 content, ranges and " +
    "streaming downloads cannot be checked against it",
  writeVolumeFile:
    "binary/streaming request: Prism accepts any octet-stream body and stores nothing, so a write cannot be read back, a streamed " +
    "(ReadableStream) upload and the 1 GiB limit (413) cannot be exercised, and atomic replacement cannot be observed",
};

/**
 * Declared responses Prism cannot serve in a form the SDK can act on here, by `operationId status`. The
 * response suite sends no test for these, and its coverage tally counts them as covered elsewhere; each
 * reason says where. A listed pair the spec no longer declares fails the suite.
 */
export const PRISM_CANNOT_SERVE_RESPONSE: Record<string, string> = {
  "writeVolumeFile 307":
    "Prism's mock answers `Prefer: code=307` with the Location of the spec's example, https://files.sandbox.internal.porter.run/..., " +
    "a host off loopback that no test may send to, so the SDK cannot follow it here; and Prism's proxy follows an upstream redirect " +
    "itself (node-fetch's default), so no client behind it ever sees one. The SDK's write following the local server's 307 (same " +
    "method and body to the Location, then readable through Prism) is covered by test/local/prism-proxy.test.ts, which sends that " +
    "write to the local server directly; credentials dropped when a redirect leaves the origin, by test/unit/transport.test.ts (redirects)",
};
