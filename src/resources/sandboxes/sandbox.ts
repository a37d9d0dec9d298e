// The `Sandbox` handle: the last-known status record (wire names unchanged) with bound helpers.
import { DEFAULTS } from "../../core/defaults.js";
import { nameErrors, NotFoundError, SandboxError } from "../../core/errors.js";
import { deadlineFor, invoke } from "../../internal/operation.js";
import { adopt, attach, type ResponseInfo, type WithResponse } from "../../core/response-info.js";
import type { Transport } from "../../internal/transport.js";
import type { RequestOptions } from "../../core/options.js";
import type { Outcome } from "../../core/response-info.js";
import { Snapshot } from "../snapshots.js";
import type {
  ExecResponse,
  LogLine,
  MetricSummaryResponse,
  SandboxMetric,
  SandboxMetricsResponse,
  SnapshotSpec,
  StatusResponse,
  StatusResponsePhase,
} from "../../core/types.js";
import { checkPollInterval, pollUntil, type WaitOptions } from "../../internal/wait.js";
import { followLogs, type FollowLogsOptions } from "./follow-logs.js";

/**
 * Options of `sandbox.metricsSummary()`.
 *
 * @example
 * ```ts
 * const options: MetricsSummaryOptions = { since: "2h" };
 * ```
 */
export interface MetricsSummaryOptions {
  /** The lookback window as a Go duration (`"30m"`, `"1h"`); Porter's CLI keeps it within 3 minutes and 24 hours. */
  since?: string;
}

/**
 * Options of `sandbox.metrics()`: which metric, over which range.
 *
 * @example
 * ```ts
 * const options: MetricsOptions = { metric: "cpu_usage", start: "2025-11-21T14:00:00Z", end: "2025-11-21T15:00:00Z" };
 * ```
 */
export interface MetricsOptions {
  /** The metric: `cpu_usage`, `cpu_reserved`, `memory_usage`, `memory_reserved`, `network_rx` or `network_tx`. */
  metric: SandboxMetric;
  /** The start of the range (`start_time_utc` on the wire); a `Date` is sent in RFC 3339, UTC. */
  start: Date | string;
  /** The end of the range (`end_time_utc` on the wire). */
  end: Date | string;
}

const utc = (time: Date | string): string => (time instanceof Date ? time.toISOString() : time);

/** Phases a sandbox never leaves. */
export const ENDED_PHASES: readonly StatusResponsePhase[] = ["succeeded", "failed", "terminated"];

/** Whether a handle's phase is one it never leaves (null, a phase the API did not report, is not). */
const hasEnded = (phase: StatusResponsePhase | null): phase is StatusResponsePhase =>
  phase !== null && ENDED_PHASES.includes(phase);

/**
 * Which log lines `sandbox.logs` fetches. Wire names.
 *
 * @example
 * ```ts
 * const recent = await sandbox.logs({ since: "30m", limit: 500 });
 * const sinceStart = await sandbox.logs({ since: "2025-01-01T09:00:00Z" });
 * ```
 */
export interface LogsOptions {
  /** A duration such as `"1h"` or `"30m"`, or an RFC 3339 timestamp. */
  since?: string;
  /** At most this many lines (0 = the server's default; the server caps at 5000). */
  limit?: number;
}

/**
 * The sandbox ended (or was terminated) while the caller waited for it to be `running`.
 *
 * @example
 * ```ts
 * try {
 *   await sandbox.waitUntilRunning();
 * } catch (error) {
 *   if (error instanceof SandboxNotRunningError) console.log(error.phase, error.exit_code);
 * }
 * ```
 */
export class SandboxNotRunningError extends SandboxError {
  /** The final phase the sandbox reached instead: `succeeded`, `failed` or `terminated`. */
  declare readonly phase: StatusResponsePhase;
  /** The main process's exit code, when it exited (null or undefined when terminated or unknown). */
  declare readonly exit_code: number | null | undefined;

  constructor(message: string, phase: StatusResponsePhase, exit_code: number | null | undefined) {
    super(message, { code: "sandbox_not_running" });
    this.phase = phase;
    this.exit_code = exit_code;
  }
}

nameErrors({ SandboxNotRunningError });

/** The seed's property table: a handle's `tags` and `phase` are null when unknown, never undefined. */
export interface Sandbox extends Readonly<Omit<StatusResponse, "tags" | "phase">> {
  /** Last-known tags; null when the sandbox has none. */
  readonly tags: Record<string, string> | null;
  /** Last-known lifecycle phase; null when the API did not report one. */
  readonly phase: StatusResponsePhase | null;
}

/** A record as a handle holds it: `tags` and `phase` null when the API left them out. */
const handleFields = (record: StatusResponse) => ({
  ...record,
  tags: record.tags ?? null,
  phase: record.phase ?? null,
});

/**
 * A sandbox: its last-known status record (wire names: `id`, `name`, `phase`, `tags`, `exit_code`, ...)
 * with bound helpers.
 *
 * @example
 * ```ts
 * const sandbox = await porter.sandboxes.get("my-sandbox");
 * await sandbox.waitUntilRunning();
 * const { stdout, exit_code } = await sandbox.exec(["python", "-c", "print('hi')"]);
 * const logs = await sandbox.logs({ limit: 100 });
 * await sandbox.terminate();
 * ```
 */
export class Sandbox {
  readonly #transport: Transport;
  /** The HTTP exchange behind this handle's latest record: request id, attempts, idempotency key, replay. */
  declare readonly lastResponse: ResponseInfo | undefined;

  /** @internal Handles come from `porter.sandboxes`; they are not constructed directly. */
  constructor(transport: Transport, record: StatusResponse, outcome?: Outcome<unknown>) {
    this.#transport = transport;
    adopt(this, handleFields(record), outcome);
  }

  /** Refetches the status, updates this handle (`phase`, `tags`, ...) and returns the new record. */
  async refresh(options?: RequestOptions): Promise<WithResponse<StatusResponse>> {
    const outcome = await invoke(this.#transport, "getSandbox", { path: { id: this.id } }, options);
    adopt(this, handleFields(outcome.data), outcome);
    return attach(outcome.data, outcome);
  }

  /**
   * Runs `command` (an argv array, no shell) to completion and returns `{ stdout, stderr, exit_code }`.
   * A non-zero exit code is a result, not an error. No timeout unless `timeoutMs` is given, since a
   * command may run long. Never run twice by the SDK: retried only when the API proves it did not start
   * the command (429, or 503 with Retry-After, or a connection that was never made).
   */
  async exec(command: string[], options?: RequestOptions): Promise<WithResponse<ExecResponse>> {
    const outcome = await invoke(
      this.#transport,
      "execSandbox",
      { path: { id: this.id }, body: { command } },
      options,
      {
        retry: "unstarted",
        timeoutMs: DEFAULTS.execTimeoutMs,
        label: "exec command",
      },
    );
    return attach(outcome.data, outcome);
  }

  /** Fetches structured log lines (the workload's output and every exec's, with `exec_id`). */
  async logs(query: LogsOptions = {}, options?: RequestOptions): Promise<WithResponse<LogLine[]>> {
    const outcome = await invoke(this.#transport, "getSandboxLogs", { path: { id: this.id }, query }, options, {
      label: "logs options",
    });
    return attach(outcome.data.logs, outcome);
  }

  /**
   * Follows the log lines as they come: an async iterable that polls the logs (and the status) with
   * backoff, yields each line once, oldest first (lines with equal timestamps included), and ends by
   * itself once the sandbox has ended and its last lines are read. `break` stops it; so do `signal` and
   * `porter.close()`, which make the iteration throw (`RequestAbortedError`, `ClientClosedError`). A 429
   * only delays the next poll. It holds one page of lines at most. The first poll reads the most recent
   * `limit` lines within `since`; each later one asks from shortly before the newest line it has seen. The
   * API answers the most recent lines when more match, so if more than `limit` lines are written between
   * two polls the oldest of them are never seen. Updates this handle's record as it reads the status.
   *
   * @example
   * ```ts
   * const run = sandbox.exec(["python", "train.py"]); // its output arrives when it ends...
   * for await (const line of sandbox.followLogs({ since: "1m" })) {
   *   console.log(line.exec_id, line.line); // ...but its lines show up here while it runs
   *   if (line.line.includes("epoch 3")) break;
   * }
   * await run;
   * ```
   */
  followLogs(options: FollowLogsOptions = {}): AsyncGenerator<LogLine, void, undefined> {
    checkPollInterval(options.pollIntervalMs);
    return followLogs(`following the logs of sandbox ${this.name}`, this.#transport, options, async (query, signal) => {
      // The status first: once it says the sandbox has ended, the lines read after it are its last.
      await this.refresh({ signal });
      const ended = hasEnded(this.phase);
      return { ended, lines: await this.logs(query, { signal }) };
    });
  }

  /**
   * The 50th and 90th percentiles of the sandbox's CPU and memory use over a window (`since`, a Go
   * duration such as `"1h"`; Porter's default is one hour). `has_data` is false while there are no samples
   * yet (a sandbox that has just started); the numbers are then zero. Only running sandboxes report metrics.
   *
   * @example
   * ```ts
   * const summary = await sandbox.metricsSummary({ since: "30m" });
   * if (summary.has_data) console.log(`${summary.cpu_cores_p90} cores, ${summary.mem_bytes_p90} bytes at p90`);
   * ```
   */
  async metricsSummary(
    query: MetricsSummaryOptions = {},
    options?: RequestOptions,
  ): Promise<WithResponse<MetricSummaryResponse>> {
    const outcome = await invoke(
      this.#transport,
      "getSandboxMetricsSummary",
      { path: { id: this.id }, query },
      options,
      { label: "metrics options" },
    );
    return attach(outcome.data, outcome);
  }

  /**
   * One metric of the sandbox as a time series between two times (`Date`s, or strings sent as given).
   *
   * @example
   * ```ts
   * const end = new Date();
   * const { results } = await sandbox.metrics({ metric: "memory_usage", start: new Date(end.getTime() - 3_600_000), end });
   * for (const point of results[0]?.series[0]?.time_series ?? []) console.log(point.timestamp_utc, point.value);
   * ```
   */
  async metrics(query: MetricsOptions, options?: RequestOptions): Promise<WithResponse<SandboxMetricsResponse>> {
    const wire = { metric: query.metric, start_time_utc: utc(query.start), end_time_utc: utc(query.end) };
    const outcome = await invoke(
      this.#transport,
      "getSandboxMetrics",
      { path: { id: this.id }, query: wire },
      options,
      { label: "metrics options" },
    );
    return attach(outcome.data, outcome);
  }

  /**
   * Captures this (running) sandbox as a snapshot; the sandbox keeps running. Same as
   * `porter.snapshots.create(sandbox.id, spec)`.
   *
   * @example
   * ```ts
   * const snapshot = await sandbox.snapshot();
   * await snapshot.waitUntilReady();
   * ```
   */
  async snapshot(spec: SnapshotSpec = {}, options?: RequestOptions): Promise<Snapshot> {
    const outcome = await invoke(this.#transport, "createSnapshot", { path: { id: this.id }, body: spec }, options, {
      label: "snapshot spec",
    });
    return new Snapshot(this.#transport, outcome.data, outcome);
  }

  /**
   * Terminates the sandbox and returns this handle once the API has accepted it, with the record as the
   * API reports it then: on a real cluster the sandbox may still be `running` while it stops, so
   * `waitUntilEnded()` waits for the end. Terminating a sandbox that already ended succeeds. If the
   * record cannot be read after the terminate was accepted, the handle keeps its earlier record rather
   * than fail a terminate that succeeded (`refresh()` reads it again).
   *
   * @example
   * ```ts
   * await sandbox.terminate();
   * await (await sandbox.terminate()).waitUntilEnded({ timeoutMs: 60_000 }); // until it has ended
   * ```
   */
  async terminate(options?: RequestOptions): Promise<this> {
    const remaining = deadlineFor(options);
    await invoke(this.#transport, "terminateSandbox", { path: { id: this.id } }, remaining(), { read: "none" });
    await this.refresh(remaining()).catch(() => undefined);
    return this;
  }

  /** Resolves with this handle once the sandbox is `running`; fails at once with
   * `SandboxNotRunningError` if it ends instead, and with `SandboxTimeoutError` after `timeoutMs`. */
  async waitUntilRunning(options: WaitOptions = {}): Promise<this> {
    await this.#waitFor("be running", options, () => {
      if (this.phase === "running") return true;
      if (hasEnded(this.phase)) {
        const exit = typeof this.exit_code === "number" ? ` with exit code ${this.exit_code}` : "";
        throw new SandboxNotRunningError(
          `sandbox ${this.name} is ${this.phase}${exit}; it will never run`,
          this.phase,
          this.exit_code,
        );
      }
      return undefined;
    });
    return this;
  }

  /**
   * Resolves with this handle once the sandbox has ended (`succeeded`, `failed` or `terminated`), after a
   * `terminate()` or when its main process exits; fails with `SandboxTimeoutError` after `timeoutMs`.
   *
   * @example
   * ```ts
   * const ended = await sandbox.waitUntilEnded({ timeoutMs: 10 * 60_000 });
   * console.log(ended.phase, ended.exit_code);
   * ```
   */
  async waitUntilEnded(options: WaitOptions = {}): Promise<this> {
    await this.#waitFor("end", options, () => (hasEnded(this.phase) ? true : undefined));
    return this;
  }

  /** Polls the status until `reached` returns true (or throws). Always asked afresh: a handle from an
   * old page may say running of a sandbox that has ended. */
  #waitFor(what: string, options: WaitOptions, reached: () => true | undefined): Promise<true> {
    return pollUntil(
      this.#transport,
      `sandbox ${this.name} to ${what}`,
      async (signal, left) => {
        await this.refresh({ signal, totalTimeoutMs: left });
        return reached();
      },
      options,
    );
  }

  /**
   * `await using sandbox = await porter.sandboxes.create(...)` terminates it at scope exit, without
   * waiting for it to end. It throws only when the terminate itself failed (a sandbox already gone is
   * fine); if the scope threw too, the runtime throws a `SuppressedError` that carries both.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (hasEnded(this.phase)) return;
    try {
      await this.terminate();
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  /** The record as the API sent it, for `JSON.stringify`: what the handle holds as null was absent. */
  toJSON(): StatusResponse {
    const { tags, phase, ...rest } = this;
    return { ...rest, ...(tags !== null && { tags }), ...(phase !== null && { phase }) } as StatusResponse;
  }
}
