// Moving a file or a directory (with everything under it) within a volume. `to` is the full new path;
// its parent must exist, and nothing already there is ever overwritten.
import { link, lstat, mkdir, rename, rmdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { parentAndName, segments } from "./confine.js";
import type { Handler } from "./handler.js";
import { badRequest, conflict, notFound } from "./http.js";

const exists = (error: unknown) => ["EEXIST", "ENOTEMPTY"].includes((error as NodeJS.ErrnoException).code ?? "");

// A hard link fails when the destination exists, so a file is never moved over anything; then the
// old name goes.
async function moveFile(source: string, dest: string): Promise<boolean> {
  try {
    await link(source, dest);
  } catch (error) {
    if (exists(error)) return false;
    throw error;
  }
  await unlink(source);
  return true;
}

// rename() alone would replace an empty directory at the destination. Creating the destination first
// claims the name atomically (mkdir fails when anything is there); rename() then replaces only that
// empty directory of ours, in one step.
async function moveDirectory(source: string, dest: string): Promise<boolean> {
  try {
    await mkdir(dest);
  } catch (error) {
    if (exists(error)) return false;
    throw error;
  }
  try {
    await rename(source, dest);
  } catch (error) {
    await rmdir(dest).catch(() => {});
    if (exists(error)) return false;
    // Into itself by way of a symlink, which the check on the given paths cannot see.
    if ((error as NodeJS.ErrnoException).code === "EINVAL")
      throw badRequest("invalid request: to: a directory cannot be moved into itself");
    throw error;
  }
  return true;
}

/** Refuses moves of the root, and of a directory into itself, before touching anything. */
function checkShape(from: string, to: string): void {
  const source = segments(from);
  const dest = segments(to);
  if (source.length === 0) throw badRequest(`invalid request: from: the volume root cannot be moved`);
  const isInside = dest.length > source.length && source.every((s, i) => dest[i] === s);
  if (isInside)
    throw badRequest(
      `invalid request: to ${JSON.stringify(to)} is inside from ${JSON.stringify(from)}; a directory cannot be moved into itself`,
    );
}

export const moveVolumeFile: Handler = async ({ store, input }) => {
  const volume = store.diskVolume(input.path.id!);
  const { from, to } = input.body as { from: string; to: string };
  checkShape(from, to);
  const source = await parentAndName(volume.dir, from, `from ${JSON.stringify(from)}`);
  const sourcePath = path.join(source.parent, source.name);
  // The entry itself, not what a symlink points to: a link is moved as a link.
  const info = await lstat(sourcePath).catch(() => undefined);
  if (!info) throw notFound(`${JSON.stringify(from)} not found on the volume`);
  const dest = await parentAndName(volume.dir, to, `to ${JSON.stringify(to)}`);
  if (!(await stat(dest.parent)).isDirectory())
    throw notFound(`parent directory of to ${JSON.stringify(to)} not found on the volume`);
  const destPath = path.join(dest.parent, dest.name);
  const moved = info.isDirectory() ? await moveDirectory(sourcePath, destPath) : await moveFile(sourcePath, destPath);
  if (!moved) throw conflict(`destination ${JSON.stringify(to)} already exists`);
  return { status: 204 };
};
