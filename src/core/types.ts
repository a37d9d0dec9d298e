// Names for the spec's models, as users import them. Data from the API keeps its wire names.
import type { components } from "../../generated/schema.js";

/**
 * What to run in a new sandbox, and how: the body of `porter.sandboxes.create`. Only `image` is required
 * (and may be empty, or left out in `create`, when `snapshot_id` starts the sandbox from a snapshot).
 *
 * @example
 * ```ts
 * const spec: SandboxSpec = {
 *   image: "python:3.12-slim",
 *   name: "nightly-eval",
 *   command: ["sleep", "infinity"],
 *   env: { PYTHONUNBUFFERED: "1" },
 *   tags: { workflow: "nightly-eval" },
 *   volume_mounts: { "/mnt/data": "vol_01jc8h3j5k7m9n1p3q5r7s9t1c" },
 *   resources: { cpu: "2", memory: "4Gi" },
 *   ttl_seconds: 3600,
 * };
 * const sandbox = await porter.sandboxes.create(spec);
 * ```
 */
export type SandboxSpec = components["schemas"]["SandboxSpec"];
/**
 * The current record of a sandbox (`id`, `name`, `image`, `phase`, `exit_code`, `created_at`, ...), as
 * `GET /v1/sandbox/{id}` returns it. A `Sandbox` handle carries these fields.
 *
 * @example
 * ```ts
 * const record: StatusResponse = await sandbox.refresh();
 * if (record.phase === "failed") console.log(`${record.name} exited with ${record.exit_code}`);
 * ```
 */
export type StatusResponse = components["schemas"]["StatusResponse"];
/**
 * A sandbox's lifecycle phase: `queued`, `creating` and `running` are live; `succeeded`, `failed` and
 * `terminated` are final.
 *
 * @example
 * ```ts
 * const ended: StatusResponsePhase[] = ["succeeded", "failed", "terminated"];
 * const page = await porter.sandboxes.list({ phase: ended });
 * ```
 */
export type StatusResponsePhase = components["schemas"]["StatusResponsePhase"];
/**
 * The API's answer to a sandbox create: the new sandbox's `id` and `name` (and, from some servers, its
 * status record). `porter.sandboxes.create` turns it into a `Sandbox` handle; raw calls see it as is.
 *
 * @example
 * ```ts
 * const { data } = await porter.raw.POST("/v1/sandbox/run", { body: { image: "alpine:3.20" } });
 * const created: CreateResponse | undefined = data;
 * console.log(created?.id); // "sbx_01jc8k2m9q4r7t3v6w8x0y2z4a"
 * ```
 */
export type CreateResponse = components["schemas"]["CreateResponse"];
/**
 * The outcome of a finished command: its `stdout`, `stderr` and `exit_code` (non-zero is a result, not
 * an error).
 *
 * @example
 * ```ts
 * const result: ExecResponse = await sandbox.exec(["python", "-c", "print('hi')"]);
 * if (result.exit_code !== 0) console.error(result.stderr);
 * ```
 */
export type ExecResponse = components["schemas"]["ExecResponse"];
/**
 * One log line of a sandbox: `timestamp`, `line`, `level`, and the `exec_id` of the exec that wrote it
 * (empty for the workload's own output).
 *
 * @example
 * ```ts
 * const lines: LogLine[] = await sandbox.logs({ since: "30m" });
 * for (const { timestamp, level, line } of lines) console.log(timestamp, level, line);
 * ```
 */
export type LogLine = components["schemas"]["LogLine"];
/**
 * The severity of a log line: `error`, `warning` or `info`. (The client's `logLevel` option is
 * `ClientLogLevel`.)
 *
 * @example
 * ```ts
 * const serious = (level: LogLevel) => level === "error" || level === "warning";
 * const problems = (await sandbox.logs()).filter((l) => serious(l.level));
 * ```
 */
export type LogLevel = components["schemas"]["LogLevel"];
/**
 * One page of sandboxes as the API sends it: `sandboxes`, `pagination` and, when asked for,
 * `filter_values`. `porter.sandboxes.list` returns it as a `SandboxPage` of handles; raw calls see it as is.
 *
 * @example
 * ```ts
 * const { data } = await porter.raw.GET("/v1/sandbox", { params: { query: { page: 2 } } });
 * const list: ListResponse | undefined = data;
 * console.log(list?.sandboxes.length, list?.pagination.has_next_page);
 * ```
 */
export type ListResponse = components["schemas"]["ListResponse"];
/**
 * The values present among the listed sandboxes (phases, images, each tag key's values), for building
 * filters. Sent only when the list asks for `include_filter_values`.
 *
 * @example
 * ```ts
 * const page = await porter.sandboxes.list({ include_filter_values: true });
 * const values: FilterValues | undefined = page.filter_values;
 * console.log(values?.images, values?.tags["team"]); // ["python:3.12-slim"] ["ml"]
 * ```
 */
export type FilterValues = components["schemas"]["FilterValues"];
/**
 * Created-sandbox counts over time: `points` (one bucket each, oldest first) and the width of a bucket,
 * `granularity_ms`.
 *
 * @example
 * ```ts
 * const counts: CountResponse = await porter.sandboxes.counts({ tags: { workflow: "nightly-eval" } });
 * for (const { timestamp, count } of counts.points) console.log(timestamp, count);
 * ```
 */
export type CountResponse = components["schemas"]["CountResponse"];
/**
 * Liveness of the API: `status` is `ok` while it is alive.
 *
 * @example
 * ```ts
 * const health: HealthResponse = await porter.healthz.healthCheck();
 * console.log(health.status); // "ok"
 * ```
 */
export type HealthResponse = components["schemas"]["HealthResponse"];
/**
 * Readiness of the API: `status` is `ok` when it accepts sandbox requests, with the number of
 * `active_sandboxes` in the cluster.
 *
 * @example
 * ```ts
 * const { status, active_sandboxes }: ReadinessResponse = await porter.readyz.readinessCheck();
 * console.log(status, active_sandboxes); // "ok" 3
 * ```
 */
export type ReadinessResponse = components["schemas"]["ReadinessResponse"];
/**
 * A snapshot's record as the API sends it (the spec's `Snapshot`): `id`, `sandbox_id`, `mode`, `status`
 * and, when known, `t_created_unix_ms`, `t_ready_unix_ms`, `failure_reason` and `size_bytes`. A `Snapshot`
 * handle carries these fields.
 *
 * @example
 * ```ts
 * const record: SnapshotRecord = (await porter.snapshots.create("my-sandbox")).toJSON();
 * console.log(record.status, record.t_created_unix_ms);
 * ```
 */
export type SnapshotRecord = components["schemas"]["Snapshot"];
/**
 * What a snapshot captures: `{ mode? }`, the filesystem when absent.
 *
 * @example
 * ```ts
 * const spec: SnapshotSpec = { mode: "filesystem" };
 * const snapshot = await porter.snapshots.create("my-sandbox", spec);
 * ```
 */
export type SnapshotSpec = components["schemas"]["SnapshotSpec"];
/**
 * What a snapshot captures. Porter has not published the values; `"filesystem"` is the default.
 *
 * @example
 * ```ts
 * const mode: SnapshotMode = "filesystem";
 * ```
 */
export type SnapshotMode = components["schemas"]["SnapshotMode"];
/**
 * The state of a capture: `"ready"` (a sandbox can start from it), `"failed"`, or any other value while
 * the capture is under way (Porter has not published the values).
 *
 * @example
 * ```ts
 * const status: SnapshotStatus = snapshot.status;
 * if (status === "ready") await porter.sandboxes.create({ snapshot_id: snapshot.id });
 * ```
 */
export type SnapshotStatus = components["schemas"]["SnapshotStatus"];
/**
 * A metric of a sandbox that `sandbox.metrics()` reads as a time series.
 *
 * @example
 * ```ts
 * const metric: SandboxMetric = "network_rx";
 * ```
 */
export type SandboxMetric = components["schemas"]["SandboxMetric"];
/**
 * The answer of `sandbox.metricsSummary()`: p50 and p90 CPU and memory use over `window_seconds`, the
 * limits, and `has_data`.
 *
 * @example
 * ```ts
 * const summary: MetricSummaryResponse = await sandbox.metricsSummary();
 * console.log(summary.has_data ? summary.cpu_util_p90_pct : "no data yet");
 * ```
 */
export type MetricSummaryResponse = components["schemas"]["MetricSummaryResponse"];
/**
 * The answer of `sandbox.metrics()`: `results[0].series[*].time_series`, each point a `timestamp_utc` and a `value`.
 *
 * @example
 * ```ts
 * const response: SandboxMetricsResponse = await sandbox.metrics({ metric: "cpu_usage", start: "2025-11-21T14:00:00Z", end: "2025-11-21T15:00:00Z" });
 * ```
 */
export type SandboxMetricsResponse = components["schemas"]["SandboxMetricsResponse"];
/**
 * A volume's record as the API sends it (the spec's `Volume`): `id`, `name`, `type`, `path`, `phase`,
 * `attached_to`, `created_at` and, for an object volume, `object`. A `Volume` handle carries these fields.
 *
 * @example
 * ```ts
 * const record: VolumeRecord = await volume.refresh();
 * console.log(record.phase, record.attached_to); // "ready" ["sbx_01jc8k2m9q4r7t3v6w8x0y2z4a"]
 * ```
 */
export type VolumeRecord = components["schemas"]["Volume"];
/**
 * Options of a new volume: an optional `name`, unique while the volume exists (else its name is its id),
 * and `type`: `"disk"` (the default) or `"object"` with the bucket in `object`.
 *
 * @example
 * ```ts
 * const spec: VolumeSpec = { name: "data-cache" };
 * const volume = await porter.volumes.create(spec);
 * ```
 */
export type VolumeSpec = components["schemas"]["VolumeSpec"];
/**
 * The kind of a volume: `"disk"` (file storage owned by the volume, with a file API) or `"object"` (a
 * bucket registered on the cluster, read by sandboxes; no file API).
 *
 * @example
 * ```ts
 * const type: VolumeType = volume.type;
 * ```
 */
export type VolumeType = components["schemas"]["VolumeType"];
/**
 * The bucket settings of an object volume: `bucket`, and optionally `prefix` and `access`.
 *
 * @example
 * ```ts
 * const object: VolumeObjectSpec = { bucket: "acme-datasets", prefix: "train/2025", access: "read_only" };
 * const volume = await porter.volumes.create({ name: "training-data", type: "object", object });
 * ```
 */
export type VolumeObjectSpec = components["schemas"]["VolumeObjectSpec"];
/**
 * A volume's provisioning phase: `pending`, `ready` (usable) or `failed`.
 *
 * @example
 * ```ts
 * const phase: VolumePhase = (await volume.refresh()).phase;
 * if (phase === "failed") await volume.delete();
 * ```
 */
export type VolumePhase = components["schemas"]["VolumePhase"];
/**
 * A file or directory on a volume, as listed: `name`, `type`, `size_bytes`, `modified_at` and, on a
 * directory, the nested `entries` the walk read (or `truncated` when it did not read them all).
 *
 * @example
 * ```ts
 * const { entries } = await volume.listdir("datasets");
 * const files: VolumeFileEntry[] = entries.filter((e) => e.type === "file");
 * ```
 */
export type VolumeFileEntry = components["schemas"]["VolumeFileEntry"];
/**
 * A listing of a directory on a volume, as the API answers it: a breadth-first walk of the tree under `path`,
 * nested (`entries` of each directory), and whether the walk `truncated` at its entry budget.
 *
 * @example
 * ```ts
 * const listing: VolumeFileListResponse = await volume.listdir("/");
 * if (listing.truncated) console.warn("the walk stopped at its budget; volume.iterdir() reads the rest");
 * ```
 */
export type VolumeFileListResponse = components["schemas"]["VolumeFileListResponse"];
/**
 * The body of an error answer (the spec's `Error`): a human-readable `error` and, when the server sends
 * one, a `code`. Raw calls return it as `error`; a thrown `SandboxError` keeps it as `body`.
 *
 * @example
 * ```ts
 * const { error } = await porter.raw.GET("/v1/volume/{id}", { params: { path: { id: "vol_missing" } } });
 * const body: ErrorBody | undefined = error;
 * if (body) console.log(body.error, body.code ?? "(derive the code from the status)");
 * ```
 */
export type ErrorBody = components["schemas"]["Error"];
/**
 * A machine-readable error code the API may send in an error body. `SandboxErrorCode` adds the codes the
 * SDK raises itself.
 *
 * @example
 * ```ts
 * const { error } = await porter.raw.POST("/v1/sandbox/run", { body: { image: "alpine:3.20" } });
 * const code: ErrorCode | undefined = error?.code;
 * if (code === "quota_exceeded") console.warn("plan quota used up: terminate sandboxes first");
 * ```
 */
export type ErrorCode = components["schemas"]["ErrorCode"];
