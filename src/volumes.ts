// `porter.volumes`: create, get, list and delete volumes.
import { NotFoundError } from "./errors.js";
import { invoke } from "./operation.js";
import type { RawClient } from "./raw.js";
import type { RequestOptions, Transport } from "./transport.js";
import type { VolumeSpec } from "./types.js";
import { Volume } from "./volume.js";

// Characters no volume name can hold: such an argument can only be an id.
const NOT_A_NAME = /[^a-z0-9-]/;

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

  /** Lists volumes. */
  async list(options?: RequestOptions): Promise<Volume[]> {
    const { data } = await invoke(this.#transport, "listVolumes", {}, options, { read: "json" });
    return data.volumes.map((v) => new Volume(this.#transport, v));
  }

  /** Creates a volume. Pass a name for stable lookup later. One `Idempotency-Key` for every attempt. */
  async create(body: VolumeSpec = {}, options?: RequestOptions): Promise<Volume> {
    const { data } = await invoke(this.#transport, "createVolume", { body }, options, { read: "json", idempotent: true, label: "volume spec" });
    return new Volume(this.#transport, data);
  }

  /** Fetches a volume by name (or id). */
  async get(nameOrId: string, options?: RequestOptions): Promise<Volume> {
    const id = await this.#resolve(nameOrId, options);
    const { data } = await invoke(this.#transport, "getVolume", { path: { id } }, options, { read: "json" });
    return new Volume(this.#transport, data);
  }

  /** Deletes a volume by name (or id). */
  async delete(nameOrId: string, options?: RequestOptions): Promise<void> {
    const id = await this.#resolve(nameOrId, options);
    await invoke(this.#transport, "deleteVolume", { path: { id } }, options, { read: "none" });
  }

  // Volume names can be reused after deletion, so a name is resolved afresh on every call: a cached
  // mapping could point at a deleted volume while a new one holds the name.
  async #resolve(nameOrId: string, options?: RequestOptions): Promise<string> {
    if (typeof nameOrId === "string" && NOT_A_NAME.test(nameOrId)) return nameOrId;
    try {
      const { data } = await invoke(this.#transport, "lookupVolume", { query: { name: nameOrId } }, options, { read: "json", label: "volume name" });
      return data.id;
    } catch (error) {
      if (error instanceof NotFoundError) return nameOrId;
      throw error;
    }
  }
}
