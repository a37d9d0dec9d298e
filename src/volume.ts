// The `Volume` handle: the last-known volume record (wire names unchanged) with bound helpers.
import { invoke } from "./operation.js";
import type { RequestOptions, Transport } from "./transport.js";
import type { VolumeRecord } from "./types.js";

export interface Volume extends Readonly<VolumeRecord> {}

export class Volume {
  readonly #transport: Transport;

  /** @internal Handles come from `porter.volumes`; they are not constructed directly. */
  constructor(transport: Transport, record: VolumeRecord) {
    this.#transport = transport;
    Object.assign(this, record);
  }

  /** Refetches the record, updates this handle and returns the new record. */
  async refresh(options?: RequestOptions): Promise<VolumeRecord> {
    const { data } = await invoke(this.#transport, "getVolume", { path: { id: this.id } }, options, { read: "json" });
    Object.assign(this, data);
    return data;
  }

  /** Deletes the volume. Fails with `ConflictError` while a sandbox has it mounted. */
  async delete(options?: RequestOptions): Promise<void> {
    await invoke(this.#transport, "deleteVolume", { path: { id: this.id } }, options, { read: "none" });
  }

  /** The record, for `JSON.stringify`. */
  toJSON(): VolumeRecord {
    return { ...this } as VolumeRecord;
  }
}
