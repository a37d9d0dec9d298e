// A Volume handle bound to a fresh loopback server, for tests of the volume file API: the server has
// already answered the lookup (with a disk volume's record, or the record given), and its request log
// starts empty.
import { Porter, type ClientOptions, type Volume } from "../../src/index.js";
import { json, startServer, type TestServer } from "./http.js";

export interface VolumeFixture {
  server: TestServer;
  porter: Porter;
  volume: Volume;
}

/** A disk volume's record in Porter's shape; `over` replaces fields (`undefined` removes one). */
export function volumeRecord(over: Record<string, unknown> = {}): Record<string, unknown> {
  const record: Record<string, unknown> = {
    id: "vol_1",
    name: "data",
    type: "disk",
    path: "vol_1",
    phase: "ready",
    attached_to: [],
    created_at: "2025-11-20T10:00:00Z",
    ...over,
  };
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}

export async function openVolume(
  over: Record<string, unknown> = {},
  client: ClientOptions = {},
): Promise<VolumeFixture> {
  const server = await startServer((_req, res) => json(res, 200, volumeRecord(over)));
  const porter = new Porter({ baseUrl: server.url, retryDelayMs: 1, maxRetries: 2, ...client });
  const volume = await porter.volumes.get("vol_1");
  server.requests.length = 0;
  return { server, porter, volume };
}

export async function closeVolume({ server, porter }: VolumeFixture): Promise<void> {
  porter.close();
  await server.close();
}

/** A directory of a test tree: a name maps to a file's size or to a subdirectory. */
export interface Tree {
  [name: string]: Tree | number;
}

interface Entry {
  name: string;
  type: "file" | "directory";
  size_bytes: number;
  modified_at?: string;
  truncated?: boolean;
  entries?: Entry[];
}

const MODIFIED = "2025-11-21T14:20:45Z";

// Directories first, then files, each group by name, as Porter's listing orders them.
function children(dir: Tree): [string, Tree | number][] {
  const named = Object.entries(dir).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [...named.filter(([, c]) => typeof c !== "number"), ...named.filter(([, c]) => typeof c === "number")];
}

const entryOf = (name: string, child: Tree | number): Entry =>
  typeof child === "number"
    ? { name, type: "file", size_bytes: child, modified_at: MODIFIED }
    : { name, type: "directory", size_bytes: 0 };

/**
 * Porter's listing walk: breadth-first from `dir`, reading at most `budget` entries. Every directory read
 * carries its children as `entries` (omitted when it is empty, as Go's omitempty does); a directory read
 * in part, or not entered, carries `truncated: true` and no `entries`; the answer's `truncated` says the
 * budget ran out.
 */
export function walkTree(dir: Tree, budget: number): { entries: Entry[]; truncated: boolean } {
  const top: { entries?: Entry[] } = {};
  const queue: { dir: Tree; out: { entries?: Entry[]; truncated?: boolean } }[] = [{ dir, out: top }];
  let left = budget;
  while (queue.length) {
    const { dir: node, out } = queue.shift()!;
    const read: Entry[] = [];
    for (const [name, child] of children(node)) {
      if (left === 0) {
        // This directory was read in part, and the ones still queued were not entered.
        if (out !== top) out.truncated = true;
        else top.entries = read;
        for (const rest of queue) rest.out.truncated = true;
        return { entries: top.entries ?? [], truncated: true };
      }
      left--;
      const entry = entryOf(name, child);
      read.push(entry);
      if (typeof child !== "number") queue.push({ dir: child, out: entry });
    }
    if (read.length || out === top) out.entries = read;
  }
  return { entries: top.entries ?? [], truncated: false };
}

/** Porter's search answer: the walked tree pruned to entries whose name contains `term`
 * (case-insensitively) and the directories that hold them. */
export function prune(entries: Entry[], term: string): Entry[] {
  const kept: Entry[] = [];
  for (const entry of entries) {
    const { entries: children, ...rest } = entry;
    const inside = children ? prune(children, term) : [];
    const matches = entry.name.toLowerCase().includes(term.toLowerCase());
    if (matches || inside.length) kept.push(inside.length ? { ...rest, entries: inside } : rest);
  }
  return kept;
}

/** Every path in a tree, "/"-rooted, in any order. */
export function allPaths(dir: Tree, at = ""): string[] {
  return Object.entries(dir).flatMap(([name, child]) => [
    `${at}/${name}`,
    ...(typeof child === "number" ? [] : allPaths(child, `${at}/${name}`)),
  ]);
}

/** Answers `GET /v1/volume/vol_1/files` as Porter's API does, over `tree`, with an entry budget per answer. */
export function serveTree(server: TestServer, tree: Tree, budget: number): void {
  server.handle((req, res) => {
    if (req.path !== "/v1/volume/vol_1/files") return json(res, 404, { error: `no route ${req.path}` });
    const path = `/${(req.query.get("path") ?? "").replace(/^\/+|\/+$/g, "")}`;
    let node: Tree | number | undefined = tree;
    for (const name of path.split("/").filter(Boolean)) node = typeof node === "object" ? node[name] : undefined;
    if (typeof node !== "object") return json(res, 404, { error: `no directory ${path}` });
    const walked = walkTree(node, budget);
    const search = req.query.get("search");
    json(res, 200, {
      path,
      entries: search === null ? walked.entries : prune(walked.entries, search),
      truncated: walked.truncated,
    });
  });
}
