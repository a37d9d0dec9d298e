// Object volumes, emulated: the local server has no object storage, so each bucket is a directory
// under the state directory (created on first use: every bucket counts as registered), and an object
// volume is a view of its bucket, or of a prefix of it, shared with every other volume on the same
// bucket. Only `read_write` access is supported: the sandboxes' commands run as the server's user on
// the host's files, so a read-only or no-overwrite view could not be enforced, and a volume that
// silently allowed what Porter refuses would hide bugs. The files API refuses object volumes, as
// Porter's does (Store.diskVolume).
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { components } from "../../generated/schema.js";
import { badRequest } from "./http.js";
import type { Store } from "./store.js";

type S = components["schemas"];

const unsafeSegment = (s: string) => s === "" || s === "." || s === ".." || s.includes("\0");

/** Refuses a VolumeSpec whose type and object settings disagree, or that asks for what the emulation cannot do. */
export function checkObjectSpec(spec: S["VolumeSpec"]): void {
  const type = spec.type ?? "disk";
  if (type === "object" && !spec.object) throw badRequest('invalid request: object: is required when type is "object"');
  if (type !== "object" && spec.object)
    throw badRequest('invalid request: object: is only allowed when type is "object"');
  if (!spec.object) return;
  const { bucket, prefix, access } = spec.object;
  if (unsafeSegment(bucket) || bucket.includes("/"))
    throw badRequest(`invalid request: object.bucket: ${JSON.stringify(bucket)} is not a bucket name`);
  if (prefix !== undefined && prefix !== "" && prefix.split("/").some(unsafeSegment)) {
    throw badRequest(
      `invalid request: object.prefix: ${JSON.stringify(prefix)} must be key segments joined by "/", with no leading, trailing or doubled "/" and no "." or ".." segment`,
    );
  }
  if (access !== undefined && access !== "read_write") {
    throw badRequest(
      `invalid request: object.access: the local server emulates buckets as directories and cannot enforce ${JSON.stringify(access)}; only "read_write" is supported`,
    );
  }
}

/** The directory of a bucket (or of a prefix in it), created when first used. */
export function bucketDir(store: Store, object: S["VolumeObjectSpec"]): string {
  const dir = path.join(store.dirs.buckets, object.bucket, ...(object.prefix ? object.prefix.split("/") : []));
  mkdirSync(dir, { recursive: true });
  return dir;
}
