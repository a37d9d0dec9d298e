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

/** A directory below the start still to read: where it is on disk and the entry its children go in. */
interface Pending {
  dir: string;
  entry: Entry;
}

type Child = { entry: Entry; at: string; walkable: boolean };

const inside = (root: string, p: string) => p === root || p.startsWith(root + path.sep);

// Directories first, then files, each group by name (code-unit order, the same on every platform).
function byTypeThenName(a: Entry, b: Entry): number {
  if (a.type !== b.type) return a.type === "directory" ? -1 : 1;
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

/** One child as an entry, or undefined when it is neither a file nor a directory, or a symlink that
 * leads out of the volume. `walkable` is false for a directory reached through a symlink: the walk
 * does not follow links (a link to an ancestor would loop), it marks them for the client to list. */
async function entryOf(root: string, dir: string, child: Dirent): Promise<Child | undefined> {
  const full = path.join(dir, child.name);
  const link = child.isSymbolicLink();
  const at = link ? await realpath(full).catch(() => undefined) : full;
  if (at === undefined || !inside(root, at)) return undefined;
  const info = await stat(at).catch(() => undefined);
  const fileOrDirectory = info !== undefined && (info.isFile() || info.isDirectory());
  if (!fileOrDirectory) return undefined;
  const entry: Entry = {
    name: child.name,
    type: info.isDirectory() ? "directory" : "file",
    size_bytes: info.isDirectory() ? 0 : info.size,
    modified_at: info.mtime.toISOString(),
  };
  return { entry, at, walkable: info.isDirectory() && !link };
}

async function childrenOf(root: string, dir: string): Promise<Child[]> {
  const names = await readdir(dir, { withFileTypes: true });
  const found = await Promise.all(names.map((child) => entryOf(root, dir, child)));
  return found.filter((c) => c !== undefined).sort((a, b) => byTypeThenName(a.entry, b.entry));
}

/** One breadth-first walk: what is left of the budget, the directories still to read, the answer so far. */
class Walker {
  readonly #queue: Pending[] = [];
  #left: number;
  #truncated = false;

  constructor(
    private readonly root: string,
    budget: number,
  ) {
    this.#left = budget;
  }

  async run(start: string): Promise<Walk> {
    const entries = await this.#readStart(start);
    for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
      if (!(await this.#read(next))) break;
    }
    return { entries, truncated: this.#truncated };
  }

  // The start directory is the listing itself: when it alone overflows the budget, its first entries are kept.
  async #readStart(dir: string): Promise<Entry[]> {
    const children = await childrenOf(this.root, dir);
    const fits = children.length <= this.#left;
    if (!fits) this.#truncated = true;
    return this.#take(fits ? children : children.slice(0, this.#left), fits);
  }

  /** Reads a directory below the start whole, or not at all; false once the budget has run out. */
  async #read(pending: Pending): Promise<boolean> {
    // A directory that vanished or cannot be read since it was seen is left for the client to list.
    const children = await childrenOf(this.root, pending.dir).catch(() => undefined);
    if (children === undefined) {
      pending.entry.truncated = true;
      return true;
    }
    if (children.length > this.#left) {
      this.#truncated = true;
      for (const unread of [pending, ...this.#queue]) unread.entry.truncated = true;
      return false;
    }
    pending.entry.entries = this.#take(children, true);
    return true;
  }

  /** Spends the budget on these children, queueing their directories to read (when `descend`) or
   * marking them unread. */
  #take(children: Child[], descend: boolean): Entry[] {
    this.#left -= children.length;
    for (const c of children) {
      if (c.walkable && descend) this.#queue.push({ dir: c.at, entry: c.entry });
      else if (c.entry.type === "directory") c.entry.truncated = true;
    }
    return children.map((c) => c.entry);
  }
}

/** Walks `start` (a real directory inside `root`) breadth-first, listing at most `budget` entries. */
export function walk(root: string, start: string, budget: number): Promise<Walk> {
  return new Walker(root, budget).run(start);
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
