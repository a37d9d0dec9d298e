// `porter.volumes`: create, get, list and delete volumes.
import { NotFoundError } from "./errors.js";
import { deadlineFor, invoke } from "./operation.js";
import { matches } from "./validate.js";
import type { RawClient } from "./raw.js";
import type { RequestOptions, Transport } from "./transport.js";
import type { VolumeSpec } from "./types.js";
import { Volume } from "./volume.js";
import { deleteVolume } from "./volume-errors.js";

/**
 * `porter.volumes`: persistent storage to mount into sandboxes.
 *
 * @example
 * ```ts
 * const volume = await porter.volumes.create({ name: "my-data" });
 * const sandbox = await porter.sandboxes.create({ image: "python:3.12-slim", volume_mounts: { "/mnt/data": volume.id } });
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

  /** Creates a volume (phase `pending`; see `waitUntilReady`). Pass a name for stable lookup later.
   * Sends one `Idempotency-Key` (yours, or generated) on every attempt, so a retry never makes two. */
  async create(body: VolumeSpec = {}, options?: RequestOptions): Promise<Volume> {
    const outcome = await invoke(this.#transport, "createVolume", { body }, options, { label: "volume spec" });
    return new Volume(this.#transport, outcome.data, outcome);
  }

  /** Fetches a volume by name (or id). */
  async get(nameOrId: string, options?: RequestOptions): Promise<Volume> {
    const remaining = deadlineFor(options);
    const id = await this.#resolve(nameOrId, remaining());
    const outcome = await invoke(this.#transport, "getVolume", { path: { id } }, remaining(), { label: "volume name or id" });
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
    if (!matches("Name", nameOrId)) return nameOrId;
    try {
      const { data } = await invoke(this.#transport, "lookupVolume", { query: { name: nameOrId } }, options, { label: "volume name" });
      return data.id;
    } catch (error) {
      // Not a name: it may still be an id that happens to look like one.
      if (error instanceof NotFoundError) return nameOrId;
      throw error;
    }
  }
}
