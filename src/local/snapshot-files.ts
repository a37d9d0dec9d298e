// The files of snapshots: a snapshot is a real copy of a sandbox's working directory (volumes left
// out: Porter's snapshots carry no volumes), and a sandbox started from one gets a copy of that copy.
import { cp, readdir, lstat } from "node:fs/promises";
import path from "node:path";

/** Copies a directory tree; symlinks are copied as links, and paths in `skip` are left out. */
export async function copyTree(from: string, to: string, skip: ReadonlySet<string> = new Set()): Promise<void> {
  await cp(from, to, {
    recursive: true,
    verbatimSymlinks: true,
    errorOnExist: true,
    force: false,
    filter: (src) => !skip.has(src),
  });
}

/** The total size of the regular files under a directory, in bytes. */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const child of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, child.name);
    if (child.isDirectory()) total += await treeBytes(full);
    else if (child.isFile()) total += (await lstat(full)).size;
  }
  return total;
}
