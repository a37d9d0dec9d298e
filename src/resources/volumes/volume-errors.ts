// Errors particular to volumes. The delete call that raises `VolumeInUseError` is `deleteVolume`, in
// volume.ts, with the volume's other requests.
import { ConflictError, nameErrors, SandboxError, type SandboxErrorInit } from "../../core/errors.js";

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
