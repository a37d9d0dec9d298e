// The file endpoints of a volume that read: the listing (a breadth-first walk, file-walk.ts) and
// ranged reads. Writes are in file-writes.ts, moves in file-moves.ts.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { existing, segments } from "./confine.js";
import { prune, walk } from "./file-walk.js";
import type { Handler } from "./handler.js";
import { ApiError, badRequest, type Reply } from "./http.js";

export const listVolumeFiles: Handler = async ({ store, input }) => {
  const volume = store.diskVolume(input.path.id!);
  const given = (input.query.path as string | undefined) ?? "/";
  const dir = await existing(volume.dir, given, "directory");
  if (!(await stat(dir)).isDirectory())
    throw badRequest(`invalid request: path ${JSON.stringify(given)} is not a directory`);
  const { entries, truncated } = await walk(volume.dir, dir, store.options.listEntryBudget);
  const search = input.query.search as string | undefined;
  // Echoed in the "/"-rooted form, whichever form was given.
  const rooted = `/${segments(given).join("/")}`;
  return {
    status: 200,
    json: { path: rooted, entries: search === undefined ? entries : prune(entries, search), truncated },
  };
};

/** The inclusive byte span a `Range` header asks of a file of `size` bytes (the spec's rule has
 * already checked its form): `bytes=a-b`, `bytes=a-` or the suffix `bytes=-n` (the last n bytes). */
function span(range: string, size: number): { start: number; last: number } {
  const [, a, b] = /^bytes=(\d*)-(\d*)$/.exec(range)!;
  if (a === "") return { start: Math.max(0, size - Number(b)), last: Number(b) === 0 ? -1 : size - 1 };
  return { start: Number(a), last: Math.min(b ? Number(b) : size - 1, size - 1) };
}

function rangeNotSatisfiable(range: string, size: number): ApiError {
  return new ApiError(416, `range ${range} not satisfiable for a file of ${size} bytes`, "invalid_request", {
    "content-range": `bytes */${size}`,
  });
}

export const readVolumeFile: Handler = async ({ store, input }): Promise<Reply> => {
  const volume = store.diskVolume(input.path.id!);
  const given = input.query.path as string;
  const file = await existing(volume.dir, given);
  const info = await stat(file);
  if (!info.isFile()) throw badRequest(`invalid request: path ${JSON.stringify(given)} is not a file`);
  const headers: Record<string, string> = { "last-modified": info.mtime.toUTCString() };
  const range = input.header.Range;
  // An empty file has no byte to range over: it comes back whole (empty), as from Porter's API,
  // which clients reading in chunks take as the end of the file.
  if (range === undefined || info.size === 0) {
    return {
      status: 200,
      stream: createReadStream(file),
      headers: { ...headers, "content-length": String(info.size) },
    };
  }
  const { start, last } = span(range, info.size);
  if (start >= info.size || last < start) throw rangeNotSatisfiable(range, info.size);
  return {
    status: 206,
    stream: createReadStream(file, { start, end: last }),
    headers: {
      ...headers,
      "content-length": String(last - start + 1),
      "content-range": `bytes ${start}-${last}/${info.size}`,
    },
  };
};
