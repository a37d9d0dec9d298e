// The one directory that holds all state, and its layout.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, realpath, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Dirs } from "./store.js";

/** Creates the state directory: a fresh temporary one, or the given one, which must not exist or be
 * empty (it is removed on close, so it must hold nothing of anyone else's). */
export async function createStateDir(given: string | undefined): Promise<Dirs> {
  let root: string;
  if (given === undefined) {
    root = await mkdtemp(path.join(tmpdir(), "porter-sandbox-local-"));
  } else {
    root = path.resolve(given);
    if (existsSync(root)) {
      if (!(await stat(root)).isDirectory() || (await readdir(root)).length > 0) {
        throw new Error(
          `startLocalServer: stateDir ${root} must not exist or be an empty directory (it is removed on close)`,
        );
      }
    } else {
      await mkdir(root, { recursive: true });
    }
  }
  // Real paths throughout, so that confinement checks compare like with like.
  root = await realpath(root);
  const dirs: Dirs = {
    root,
    sandboxes: path.join(root, "sandboxes"),
    volumes: path.join(root, "volumes"),
    snapshots: path.join(root, "snapshots"),
    buckets: path.join(root, "buckets"),
    tmp: path.join(root, "tmp"),
  };
  for (const dir of [dirs.sandboxes, dirs.volumes, dirs.snapshots, dirs.buckets, dirs.tmp]) await mkdir(dir);
  return dirs;
}
