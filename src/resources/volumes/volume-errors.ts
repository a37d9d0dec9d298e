// Errors particular to volumes, and the delete call that raises `VolumeInUseError`.
import { ConflictError, nameErrors, SandboxError, type SandboxErrorInit } from "../../core/errors.js";
import { invoke } from "../../internal/operation.js";
import type { Transport } from "../../internal/transport.js";
import type { RequestOptions } from "../../core/options.js";

/**
 * 409 on delete: the volume is still mounted into sandboxes that have not ended. `attached_to` names
 * them; terminate them and delete again.
 *
 * @example
 * ```ts
 * try {
 *   await porter.volumes.delete("data-cache");
 * } catch (error) {
 *   if (!(error instanceof VolumeInUseError)) throw error;
 *   for (const id of error.attached_to) await porter.sandboxes.terminate(id);
 *   await porter.volumes.delete("data-cache");
 * }
 * ```
 */
export class VolumeInUseError extends ConflictError {
  // `declare`: set by the constructor, so no field declaration is emitted for them.
  /** The volume that could not be deleted. */
  declare readonly volumeId: string | undefined;
  /** Ids of the sandboxes holding the volume (empty when the API could not say). */
  declare readonly attached_to: readonly string[];

  constructor(message: string, init: SandboxErrorInit & { volumeId?: string; attached_to?: readonly string[] }) {
    super(message, init);
    this.volumeId = init.volumeId;
    this.attached_to = init.attached_to ?? [];
  }
}

/**
 * `waitUntilReady` saw the volume's provisioning fail (code `volume_failed`); it will never be ready.
 * Delete it and create another.
 *
 * @example
 * ```ts
 * const volume = await porter.volumes.create({ name: "data-cache" });
 * try {
 *   await volume.waitUntilReady();
 * } catch (error) {
 *   if (!(error instanceof VolumeFailedError)) throw error;
 *   console.error(`volume ${error.volumeId} is ${error.phase}; deleting it`);
 *   await volume.delete();
 * }
 * ```
 */
export class VolumeFailedError extends SandboxError {
  // `declare`: set by the constructor, in this order, so no field declaration is emitted for them.
  /** The volume that failed. */
  declare readonly volumeId: string | undefined;
  /** The volume's phase: always `failed`. */
  declare readonly phase: "failed";

  constructor(message: string, init: SandboxErrorInit & { volumeId?: string } = {}) {
    super(message, { code: "volume_failed", ...init });
    this.volumeId = init.volumeId;
    this.phase = "failed";
  }
}

/**
 * A file method was called on an object volume (code `object_volume`). Porter's API has a file API for
 * disk volumes only: an object volume exposes a bucket, and its objects are read and written through
 * the bucket (or by a sandbox that mounts the volume). Raised before any request is sent.
 *
 * @example
 * ```ts
 * const volume = await porter.volumes.get("training-data");
 * try {
 *   await volume.readText("labels.csv");
 * } catch (error) {
 *   if (!(error instanceof ObjectVolumeError)) throw error;
 *   console.log(`read s3://${volume.object?.bucket}/${volume.object?.prefix ?? ""} with your object store client`);
 * }
 * ```
 */
export class ObjectVolumeError extends SandboxError {
  /** The object volume the call named. */
  declare readonly volumeId: string;

  constructor(message: string, init: SandboxErrorInit & { volumeId: string }) {
    super(message, { code: "object_volume", ...init });
    this.volumeId = init.volumeId;
  }
}

nameErrors({ VolumeInUseError, VolumeFailedError, ObjectVolumeError });

const isIds = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** Deletes a volume by id; a 409 becomes `VolumeInUseError` naming the sandboxes that hold it. */
export async function deleteVolume(transport: Transport, id: string, options?: RequestOptions): Promise<void> {
  try {
    await invoke(transport, "deleteVolume", { path: { id } }, options, { read: "none", label: "volume name or id" });
  } catch (error) {
    // The transport raises ConflictError for a 409 and for nothing else.
    if (!(error instanceof ConflictError)) throw error;
    // Porter's 409 body names the sandboxes only in its human message, which is not parsed: a server
    // that sends `attached_to` is believed, otherwise the volume's record says (when it can be read).
    let holders = (error.body as { attached_to?: unknown } | null | undefined)?.attached_to;
    if (!isIds(holders)) {
      try {
        const { data } = await invoke(transport, "getVolume", { path: { id } }, options);
        holders = data.attached_to;
      } catch {
        // The record could not be read: the error then says the API did not say which.
      }
    }
    const attached = isIds(holders) ? holders : [];
    const who = attached.length ? `sandboxes ${attached.join(", ")}` : "a sandbox (the API did not say which)";
    // The 409's own fields (status, code, body, request id) carry over; `attempts` is set below.
    const inUse = new VolumeInUseError(
      `volume ${id} cannot be deleted: it is attached to ${who}; terminate them first${error.requestId ? ` (request ${error.requestId})` : ""}`,
      {
        ...error,
        cause: error,
        volumeId: id,
        attached_to: attached,
      },
    );
    inUse.attempts = error.attempts;
    throw inUse;
  }
}
