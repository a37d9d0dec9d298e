// The file endpoints of a volume: list one level, ranged reads, atomic writes, moves that never overwrite.
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { link, lstat, mkdir, readdir, realpath, rename, stat, unlink } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import type { components } from "../../generated/schema.js";
import { creatable, existing, parentAndName } from "./confine.js";
import type { Handler } from "./handler.js";
import { ApiError, badRequest, conflict, notFound } from "./http.js";

type Entry = components["schemas"]["VolumeFileEntry"];
/** Entries returned by one listing at most; `truncated` says when more were left out. */
export const MAX_LIST_ENTRIES = 1000;

export const listVolumeFiles: Handler = async ({ store, input }) => {
  const volume = store.volume(input.path.id!);
  const given = (input.query.path as string | undefined) ?? "/";
  const dir = await existing(volume.dir, given, "directory");
  if (!(await stat(dir)).isDirectory()) throw badRequest(`invalid request: path ${JSON.stringify(given)} is not a directory`);
  const search = (input.query.search as string | undefined)?.toLowerCase();
  const names = (await readdir(dir)).filter((n) => search === undefined || n.toLowerCase().includes(search)).sort();
  const entries: Entry[] = [];
  for (const name of names) {
    if (entries.length === MAX_LIST_ENTRIES) return { status: 200, json: { path: given, entries, truncated: true } };
    const full = path.join(dir, name);
    // A symlink is listed as what it points to, and only when that stays inside the volume.
    const real = (await lstat(full)).isSymbolicLink() ? await realpath(full).catch(() => undefined) : full;
    if (!real || !(real === volume.dir || real.startsWith(volume.dir + path.sep))) continue;
    const info = await stat(real);
    if (!info.isFile() && !info.isDirectory()) continue;
    entries.push({ name, type: info.isDirectory() ? "directory" : "file", size_bytes: info.isDirectory() ? 0 : info.size, modified_at: info.mtime.toISOString() });
  }
  return { status: 200, json: { path: given, entries, truncated: false } };
};

export const readVolumeFile: Handler = async ({ store, input }) => {
  const volume = store.volume(input.path.id!);
  const given = input.query.path as string;
  const file = await existing(volume.dir, given);
  const info = await stat(file);
  if (!info.isFile()) throw badRequest(`invalid request: path ${JSON.stringify(given)} is not a file`);
  const headers: Record<string, string> = { "last-modified": info.mtime.toUTCString() };
  const range = input.header.Range;
  if (range === undefined) {
    return { status: 200, stream: createReadStream(file), headers: { ...headers, "content-length": String(info.size) } };
  }
  const [, a, b] = /^bytes=(\d+)-(\d*)$/.exec(range)!;
  const start = Number(a);
  const last = Math.min(b ? Number(b) : info.size - 1, info.size - 1);
  if (start >= info.size || last < start) {
    throw new ApiError(416, `range ${range} not satisfiable for a file of ${info.size} bytes`, "invalid_request", { "content-range": `bytes */${info.size}` });
  }
  return {
    status: 206,
    stream: createReadStream(file, { start, end: last }),
    headers: { ...headers, "content-length": String(last - start + 1), "content-range": `bytes ${start}-${last}/${info.size}` },
  };
};

function tooLarge(max: number): ApiError {
  // The rest of an oversized body is never read: the connection is closed after answering.
  return new ApiError(413, `file exceeds the maximum size of ${max} bytes`, "invalid_request", { connection: "close" });
}

// Copies the request body into `out`, refusing it past `max` bytes. Not `pipeline`: on failure it
// would destroy the request, and with it the socket the 413 answer has to go out on.
function receive(req: IncomingMessage, out: WriteStream, max: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        req.removeAllListeners("data");
        return reject(tooLarge(max));
      }
      if (!out.write(chunk)) {
        req.pause();
        out.once("drain", () => req.resume());
      }
    });
    req.once("end", () => out.end());
    req.once("error", reject);
    out.once("finish", resolve);
    out.once("error", reject);
  });
}

export const writeVolumeFile: Handler = async ({ store, input, req }) => {
  const volume = store.volume(input.path.id!);
  const given = input.query.path as string;
  const max = store.options.maxFileBytes;
  if (Number(req.headers["content-length"] ?? 0) > max) throw tooLarge(max);
  const { ancestor, rest } = await creatable(volume.dir, given);
  const info = await stat(ancestor);
  if (rest.length === 0 && info.isDirectory()) throw conflict(`path ${JSON.stringify(given)} is a directory`);
  if (rest.length > 0 && !info.isDirectory()) throw conflict(`a parent of path ${JSON.stringify(given)} is a file`);
  // Written to a temporary file first, then renamed over the target: readers see the old or the new content.
  const tmp = path.join(store.dirs.tmp, randomUUID());
  const out = createWriteStream(tmp, { flags: "wx" });
  try {
    await receive(req, out, max);
    const target = path.join(ancestor, ...rest);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tmp, target);
  } catch (error) {
    out.destroy();
    await unlink(tmp).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR" || code === "ENOTEMPTY") throw conflict(`path ${JSON.stringify(given)} is a directory`);
    if (code === "ENOTDIR") throw conflict(`a parent of path ${JSON.stringify(given)} is a file`);
    throw error;
  }
  return { status: 204 };
};

export const moveVolumeFile: Handler = async ({ store, input }) => {
  const volume = store.volume(input.path.id!);
  const { from, to } = input.body as { from: string; to: string };
  const source = await parentAndName(volume.dir, from, `from ${JSON.stringify(from)}`);
  const sourcePath = path.join(source.parent, source.name);
  const info = await lstat(sourcePath).catch(() => undefined);
  if (!info) throw notFound(`file ${JSON.stringify(from)} not found on the volume`);
  if (info.isDirectory()) throw badRequest(`invalid request: from ${JSON.stringify(from)} is a directory; only files can be moved`);
  const dest = await parentAndName(volume.dir, to, `to ${JSON.stringify(to)}`);
  if (!(await stat(dest.parent)).isDirectory()) throw notFound(`parent directory of to ${JSON.stringify(to)} not found on the volume`);
  // A hard link fails when the destination exists, so an existing file is never overwritten.
  try {
    await link(sourcePath, path.join(dest.parent, dest.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw conflict(`destination ${JSON.stringify(to)} already exists`);
    throw error;
  }
  await unlink(sourcePath);
  return { status: 204 };
};
