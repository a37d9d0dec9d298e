// `porter.volumes`: create, get, list and delete volumes.
import { mayHaveCreated } from "../../internal/retry.js";
import { ConflictError, NotFoundError, SandboxError } from "../../core/errors.js";
import { deadlineFor, invoke } from "../../internal/operation.js";
import { matches, validate } from "../../internal/validate.js";
import type { RawClient } from "../raw.js";
import type { Transport } from "../../internal/transport.js";
import type { RequestOptions } from "../../core/options.js";
import type { VolumeSpec } from "../../core/types.js";
import { deleteVolume, Volume } from "./volume.js";

/**
 * `porter.volumes`: persistent storage to mount into sandboxes.
 *
 * @example
 * ```ts
 * const volume = await porter.volumes.create({ name: "my-data" });
 * const sandbox = await porter.sandboxes.create({
 *   image: "python:3.12-slim",
 *   volume_mounts: { "/mnt/data": volume.id },
 * });
 * ```
 */
export class Volumes {
  readonly #transport: Transport;
  readonly #raw: () => RawClient;

  /** @internal */
  constructor(transport: Transport, raw: () => RawClient) {
    this.#transport = transport;
    this.#raw = raw;
  }

  /** The typed low-level client, for endpoints the ergonomic surface does not wrap. */
  get raw(): RawClient {
    return this.#raw();
  }

  /** Lists every volume (the API does not paginate them). */
  async list(options?: RequestOptions): Promise<Volume[]> {
    const { data } = await invoke(this.#transport, "listVolumes", {}, options);
    return data.volumes.map((v) => new Volume(this.#transport, v));
  }

  /**
   * Creates a volume: a disk volume (phase `pending`; see `waitUntilReady`), or with `type: "object"` a
   * volume over a bucket registered on the cluster. Pass a name for stable lookup later.
   *
   * Porter's API does not deduplicate creates by `Idempotency-Key` (the SDK sends one all the same), and a
   * volume has no tags to find it by. So a create whose outcome is unknown (a timeout, a connection lost
   * after sending, a 5xx) is sent again only when it has a name, which refuses a second volume; the name
   * conflict that may follow resolves to the volume the earlier attempt made, when it is certainly that one
   * (same type, created after the call began). An unnamed create is not sent again after such a failure:
   * its error says the volume may exist.
   *
   * @example
   * ```ts
   * const volume = await porter.volumes.create({ name: "data-cache" });
   * const bucket = await porter.volumes.create({
   *   name: "training-data",
   *   type: "object",
   *   object: { bucket: "acme-datasets", access: "read_only" },
   * });
   * ```
   */
  async create(body: VolumeSpec = {}, options?: RequestOptions): Promise<Volume> {
    const began = Date.now();
    const remaining = deadlineFor(options);
    const named = body.name !== undefined;
    try {
      const outcome = await invoke(this.#transport, "createVolume", { body }, remaining(), {
        label: "volume spec",
        retry: named ? "idempotent" : "unstarted",
      });
      return new Volume(this.#transport, outcome.data, outcome);
    } catch (error) {
      if (!named) throw unnamedMayExist(error);
      const mine = await this.#ownEarlierAttempt(error, body, began, remaining());
      if (mine) return mine;
      throw error;
    }
  }

  // A name conflict after an attempt whose outcome is unknown may be that attempt's own volume: taken
  // for it only when it is of the requested type and was created after the call began.
  async #ownEarlierAttempt(
    error: unknown,
    body: VolumeSpec,
    began: number,
    options?: RequestOptions,
  ): Promise<Volume | undefined> {
    const conflictAfterUnknown =
      error instanceof ConflictError && error.code === "conflict" && error.uncertainAttempts > 0;
    if (!conflictAfterUnknown || body.name === undefined) return undefined;
    const existing = await this.get(body.name, options).catch(() => undefined);
    if (!existing) return undefined;
    const sameType = (existing.type ?? "disk") === (body.type ?? "disk");
    return sameType && Date.parse(existing.created_at) >= began ? existing : undefined;
  }

  /** Fetches a volume by name (or id). */
  async get(nameOrId: string, options?: RequestOptions): Promise<Volume> {
    const remaining = deadlineFor(options);
    const id = await this.#resolve(nameOrId, remaining());
    const outcome = await invoke(this.#transport, "getVolume", { path: { id } }, remaining(), {
      label: "volume name or id",
    });
    return new Volume(this.#transport, outcome.data, outcome);
  }

  /** Deletes a volume by name (or id). While a sandbox that has not ended has it mounted, fails with
   * `VolumeInUseError`, whose `attached_to` names those sandboxes. */
  async delete(nameOrId: string, options?: RequestOptions): Promise<void> {
    const remaining = deadlineFor(options);
    await deleteVolume(this.#transport, await this.#resolve(nameOrId, remaining()), remaining());
  }

  // Volume names can be reused after deletion, so a name is resolved afresh on every call: a cached
  // mapping could point at a deleted volume while a new one holds the name.
  async #resolve(nameOrId: string, options?: RequestOptions): Promise<string> {
    // Checked as what the caller passed, not as the lookup's `name` or the volume endpoints' `id`.
    validate("volume name or id", { $ref: "NameOrId" }, nameOrId);
    if (!matches("Name", nameOrId)) return nameOrId;
    try {
      const { data } = await invoke(this.#transport, "lookupVolume", { query: { name: nameOrId } }, options, {
        label: "volume name",
      });
      return data.id;
    } catch (error) {
      // Not a name: it may still be an id that happens to look like one.
      if (error instanceof NotFoundError) return nameOrId;
      throw error;
    }
  }
}

/** An unnamed create whose outcome is unknown: its error says the volume may exist. */
function unnamedMayExist(error: unknown): unknown {
  if (error instanceof SandboxError && mayHaveCreated(error)) {
    error.message +=
      ". The volume may have been created: an unnamed create is not sent again after an attempt whose outcome " +
      "is unknown; look for it with porter.volumes.list(), or give volumes a name";
  }
  return error;
}
