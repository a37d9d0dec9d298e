// `porter.snapshots` (create, list, delete, as Porter's SDK names them) and the `Snapshot` handle, which
// can wait until its capture is ready. Porter's API has no endpoint that reads one snapshot by id, so a
// handle refreshes itself from the list of its sandbox's snapshots.
import { nameErrors, NotFoundError, SandboxError } from "../core/errors.js";
import { deadlineFor, invoke } from "../internal/operation.js";
import { adopt, type ResponseInfo } from "../core/response-info.js";
import type { Transport } from "../internal/transport.js";
import type { RequestOptions } from "../core/options.js";
import type { Outcome } from "../core/response-info.js";
import type { SnapshotRecord, SnapshotSpec } from "../core/types.js";
import { pollUntil, type WaitOptions } from "../internal/wait.js";
import { validate } from "../internal/validate.js";

/**
 * A snapshot's capture failed; `failure_reason` says why (when the API said). Code `snapshot_failed`.
 *
 * @example
 * ```ts
 * await snapshot.waitUntilReady().catch((error) => {
 *   if (error instanceof SnapshotFailedError) console.log(error.failure_reason);
 * });
 * ```
 */
export class SnapshotFailedError extends SandboxError {
  /** The API's reason for the failure, when it gave one. */
  declare readonly failure_reason: string | undefined;

  constructor(message: string, failure_reason: string | undefined) {
    super(message, { code: "snapshot_failed" });
    this.failure_reason = failure_reason;
  }
}

nameErrors({ SnapshotFailedError });

// Porter's SDK documents `ready` (a sandbox can start from it) and `failed`; any other status is a
// capture still under way.
const READY = "ready";
const FAILED = "failed";

export interface Snapshot extends Readonly<SnapshotRecord> {}

/**
 * A snapshot of a sandbox: the record (wire names unchanged) with bound helpers. Start a sandbox from it
 * with `porter.sandboxes.create({ snapshot_id: snapshot.id })` once it is ready.
 *
 * @example
 * ```ts
 * const snapshot = await porter.snapshots.create("my-sandbox");
 * await snapshot.waitUntilReady();
 * const copy = await porter.sandboxes.create({ snapshot_id: snapshot.id, command: ["sleep", "infinity"] });
 * ```
 */
export class Snapshot {
  readonly #transport: Transport;
  /** The HTTP exchange that produced this record. */
  declare readonly lastResponse: ResponseInfo | undefined;

  /** @internal */
  constructor(transport: Transport, record: SnapshotRecord, outcome?: Outcome<unknown>) {
    this.#transport = transport;
    adopt(this, record, outcome);
  }

  /**
   * Refetches the record (from its sandbox's list of snapshots) and updates this handle.
   *
   * @example
   * ```ts
   * await snapshot.refresh();
   * console.log(snapshot.status, snapshot.size_bytes);
   * ```
   */
  async refresh(options?: RequestOptions): Promise<this> {
    const outcome = await invoke(this.#transport, "listSnapshots", { query: { sandbox_id: this.sandbox_id } }, options);
    const record = outcome.data.snapshots.find((s) => s.id === this.id);
    if (!record) throw new NotFoundError(`snapshot ${this.id} not found`, { code: "not_found", statusCode: 404 });
    adopt(this, record, outcome);
    return this;
  }

  /**
   * Polls until the capture is `ready` and returns this handle; throws `SnapshotFailedError` if it fails,
   * `SandboxTimeoutError` after `timeoutMs` (default 2 minutes).
   *
   * @example
   * ```ts
   * await snapshot.waitUntilReady({ timeoutMs: 10 * 60_000 });
   * ```
   */
  async waitUntilReady(options: WaitOptions = {}): Promise<this> {
    await pollUntil(
      this.#transport,
      `snapshot ${this.id} to be ready`,
      async (signal, left) => {
        const settled = this.status === READY || this.status === FAILED;
        if (!settled) await this.refresh({ signal, totalTimeoutMs: left });
        if (this.status === READY) return true;
        if (this.status === FAILED) {
          const reason = this.failure_reason ? `: ${this.failure_reason}` : "";
          throw new SnapshotFailedError(
            `snapshot ${this.id} of sandbox ${this.sandbox_id} failed${reason}`,
            this.failure_reason,
          );
        }
        return undefined;
      },
      options,
    );
    return this;
  }

  /**
   * Deletes the snapshot and everything it captured.
   *
   * @example
   * ```ts
   * await snapshot.delete();
   * ```
   */
  async delete(options?: RequestOptions): Promise<void> {
    await invoke(this.#transport, "deleteSnapshot", { path: { id: this.id } }, options, { read: "none" });
  }

  /** The record as the API sent it. */
  toJSON(): SnapshotRecord {
    return { ...this } as SnapshotRecord;
  }
}

/**
 * Filters of `porter.snapshots.list`.
 *
 * @example
 * ```ts
 * const params: ListSnapshotsParams = { sandbox_id: "sbx_01jc8k2m9q4r7t3v6w8x0y2z4a" };
 * ```
 */
export interface ListSnapshotsParams {
  /** Only the snapshots of this sandbox (its id, or its name, which is looked up). */
  sandbox_id?: string;
}

/**
 * `porter.snapshots`: capture a running sandbox, list and delete snapshots. Methods that take a sandbox
 * accept its name or its id.
 *
 * @example
 * ```ts
 * const snapshot = await porter.snapshots.create("my-sandbox");
 * for (const s of await porter.snapshots.list({ sandbox_id: "my-sandbox" })) console.log(s.id, s.status);
 * await porter.snapshots.delete(snapshot.id);
 * ```
 */
export class Snapshots {
  readonly #transport: Transport;
  readonly #resolveSandbox: (nameOrId: string, options?: RequestOptions) => Promise<string>;

  /** @internal */
  constructor(transport: Transport, resolveSandbox: (nameOrId: string, options?: RequestOptions) => Promise<string>) {
    this.#transport = transport;
    this.#resolveSandbox = resolveSandbox;
  }

  /**
   * Captures a running sandbox (by name or id); the sandbox keeps running. The snapshot comes back as
   * the API reports it, usually still being captured: `waitUntilReady()` waits for it. Not retried after
   * an attempt that may have reached the server, since a second capture would be a second snapshot.
   *
   * @example
   * ```ts
   * const snapshot = await porter.snapshots.create("my-sandbox", { mode: "filesystem" });
   * ```
   */
  async create(sandbox: string, spec: SnapshotSpec = {}, options?: RequestOptions): Promise<Snapshot> {
    const remaining = deadlineFor(options);
    const id = await this.#resolveSandbox(sandbox, remaining());
    const outcome = await invoke(this.#transport, "createSnapshot", { path: { id }, body: spec }, remaining(), {
      label: "snapshot spec",
    });
    return new Snapshot(this.#transport, outcome.data, outcome);
  }

  /**
   * Lists snapshots, most recent first, optionally of one sandbox only.
   *
   * @example
   * ```ts
   * const ready = (await porter.snapshots.list()).filter((s) => s.status === "ready");
   * ```
   */
  async list(params: ListSnapshotsParams = {}, options?: RequestOptions): Promise<Snapshot[]> {
    const remaining = deadlineFor(options);
    // The filter takes a sandbox's name or id: checked as such, under the caller's name for it.
    if (params.sandbox_id !== undefined)
      validate("snapshot filters", { $ref: "NameOrId" }, params.sandbox_id, "sandbox_id");
    const sandbox_id =
      params.sandbox_id === undefined ? undefined : await this.#resolveSandbox(params.sandbox_id, remaining());
    const outcome = await invoke(this.#transport, "listSnapshots", { query: { sandbox_id } }, remaining(), {
      label: "snapshot filters",
    });
    return outcome.data.snapshots.map((record) => new Snapshot(this.#transport, record, outcome));
  }

  /**
   * Deletes a snapshot by id, with everything it captured.
   *
   * @example
   * ```ts
   * await porter.snapshots.delete("snap_01jc9a2b4c6d8e0f2g4h6j8k0m");
   * ```
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await invoke(this.#transport, "deleteSnapshot", { path: { id } }, options, { read: "none", label: "snapshot id" });
  }
}
