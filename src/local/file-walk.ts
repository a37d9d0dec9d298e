// The file listing of a volume, as Porter's API answers it: a breadth-first walk of the whole tree
// under a directory, up to an entry budget. Each directory read carries its children in `entries`;
// a directory the walk did not read (the budget ran out before it, or it alone holds more entries than
// what was left) carries `truncated: true` and no `entries`, so the client can list it directly.
import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { components } from "../../generated/schema.js";

export type Entry = components["schemas"]["VolumeFileEntry"];

export interface Walk {
  entries: Entry[];
  /** Whether the budget ran out before every directory under the start was read. */
  truncated: boolean;
}

/** A directory still to read: where it is on disk and the entry it fills (none for the start). */
interface Pending {
  dir: string;
  entry: Entry | undefined;
}

const inside = (root: string, p: string) => p === root || p.startsWith(root + path.sep);

// Directories first, then files, each group by name (code-unit order, the same on every platform).
function byTypeThenName(a: Entry, b: Entry): number {
  if (a.type !== b.type) return a.type === "directory" ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** One child as an entry, or undefined when it is neither a file nor a directory, or a symlink that
 * leads out of the volume. `walkable` is false for a directory reached through a symlink: the walk
 * does not follow links (a link to an ancestor would loop), it marks them for the client to list. */
async function entryOf(root: string, dir: string, child: Dirent): Promise<{ entry: Entry; at: string; walkable: boolean } | undefined> {
  const full = path.join(dir, child.name);
  const link = child.isSymbolicLink();
  const at = link ? await realpath(full).catch(() => undefined) : full;
  if (at === undefined || !inside(root, at)) return undefined;
  const info = await stat(at).catch(() => undefined);
  if (!info || (!info.isFile() && !info.isDirectory())) return undefined;
  const entry: Entry = {
    name: child.name,
    type: info.isDirectory() ? "directory" : "file",
    size_bytes: info.isDirectory() ? 0 : info.size,
    modified_at: info.mtime.toISOString(),
  };
  return { entry, at, walkable: info.isDirectory() && !link };
}

async function childrenOf(root: string, dir: string): Promise<{ entry: Entry; at: string; walkable: boolean }[]> {
  const names = await readdir(dir, { withFileTypes: true });
  const found = await Promise.all(names.map((child) => entryOf(root, dir, child)));
  return found.filter((c) => c !== undefined).sort((a, b) => byTypeThenName(a.entry, b.entry));
}

/** Walks `start` (a real directory inside `root`) breadth-first, listing at most `budget` entries. */
export async function walk(root: string, start: string, budget: number): Promise<Walk> {
  const queue: Pending[] = [{ dir: start, entry: undefined }];
  const top: Entry[] = [];
  let left = budget;
  let truncated = false;
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const isStart = next.entry === undefined;
    // A directory that vanished or cannot be read since it was seen is left for the client to retry.
    const children = isStart ? await childrenOf(root, next.dir) : await childrenOf(root, next.dir).catch(() => undefined);
    if (children === undefined) {
      next.entry!.truncated = true;
      continue;
    }
    // The start directory is the listing itself: when it alone overflows, its first entries are kept.
    const fits = children.length <= left;
    if (!fits && !isStart) {
      truncated = true;
      next.entry!.truncated = true;
      for (const rest of queue) rest.entry!.truncated = true;
      break;
    }
    const kept = fits ? children : children.slice(0, left);
    if (!fits) truncated = true;
    left -= kept.length;
    const entries = kept.map((c) => c.entry);
    if (isStart) top.push(...entries);
    else next.entry!.entries = entries;
    for (const c of kept) {
      if (c.walkable && fits) queue.push({ dir: c.at, entry: c.entry });
      else if (c.entry.type === "directory") c.entry.truncated = true;
    }
  }
  return { entries: top, truncated };
}

/** The walked tree pruned to the entries whose name contains `term` (case-insensitively) and the
 * directories that lead to them. A matching directory keeps only the matches below it. */
export function prune(entries: Entry[], term: string): Entry[] {
  const needle = term.toLowerCase();
  const out: Entry[] = [];
  for (const e of entries) {
    const below = e.entries ? prune(e.entries, term) : undefined;
    const matches = e.name.toLowerCase().includes(needle);
    if (!matches && !below?.length) continue;
    out.push(below === undefined ? e : { ...e, entries: below });
  }
  return out;
}
