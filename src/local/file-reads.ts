// Reading a file on a volume: whole, or one byte range, with a strong ETag, honouring `If-Match`.
// The tag, the size and the bytes served all come from one open file: a write replaces a file by renaming
// a new one over its path, so a file opened before that keeps serving the version its tag names.
import { constants, type BigIntStats } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { existing } from "./confine.js";
import type { Handler, Input } from "./handler.js";
import { ApiError, badRequest, type Reply } from "./http.js";

/**
 * The file's strong entity tag (RFC 9110 §8.8.3), from the open file's identity, size and times to the
 * nanosecond. A write here renames a new file over the path, so a replacement has another inode than the
 * version it replaced, even with the same size and the same modification time (`touch -r` included); a
 * sandbox writing the file in place changes its modification and change times. What it cannot tell
 * apart: the same size written in place within one tick of the file system's clock, or a freed inode
 * reused by a later write within that tick (on kernels whose file times are coarse, a few milliseconds).
 */
export function entityTag(info: BigIntStats): string {
  const parts = [info.dev, info.ino, info.size, info.mtimeNs, info.ctimeNs];
  return `"${parts.map((n) => n.toString(36)).join("-")}"`;
}

const notAFile = (given: string) => badRequest(`invalid request: path ${JSON.stringify(given)} is not a file`);

/** Opens the regular file at `given` (400 for anything else) and reads its status from the open file. */
async function openFile(root: string, given: string): Promise<{ handle: FileHandle; info: BigIntStats }> {
  const file = await existing(root, given);
  // Refused before opening: opening a FIFO a sandbox made would wait for a writer. O_NONBLOCK covers
  // one that took the file's place since.
  if (!(await stat(file)).isFile()) throw notAFile(given);
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat({ bigint: true });
    if (!info.isFile()) throw notAFile(given);
    return { handle, info };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** If-Match (RFC 9110 §13.1.1), checked before the range is (§13.2.2): the file must still have the tag
 * the client names. The spec's rule lets a client name one strong tag, compared as is. */
function checkIfMatch(ifMatch: string | undefined, tag: string, given: string): void {
  if (ifMatch === undefined || ifMatch === tag) return;
  throw new ApiError(412, `file ${JSON.stringify(given)} no longer matches If-Match ${ifMatch}`, "conflict");
}

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

/** The answer for an open file: its bytes (all, or the range asked for) with its validators. */
function fileReply(handle: FileHandle, info: BigIntStats, header: Input["header"], given: string): Reply {
  const tag = entityTag(info);
  checkIfMatch(header["If-Match"], tag, given);
  const size = Number(info.size);
  const headers = { "last-modified": info.mtime.toUTCString(), etag: tag };
  const range = header.Range;
  // An empty file has no byte to range over: it comes back whole (empty), as from Porter's API,
  // which clients reading in chunks take as the end of the file.
  if (range === undefined || size === 0)
    return { status: 200, stream: handle.createReadStream(), headers: { ...headers, "content-length": String(size) } };
  const { start, last } = span(range, size);
  if (start >= size || last < start) throw rangeNotSatisfiable(range, size);
  return {
    status: 206,
    stream: handle.createReadStream({ start, end: last }),
    headers: {
      ...headers,
      "content-length": String(last - start + 1),
      "content-range": `bytes ${start}-${last}/${size}`,
    },
  };
}

export const readVolumeFile: Handler = async ({ store, input }): Promise<Reply> => {
  const volume = store.diskVolume(input.path.id!);
  const given = input.query.path as string;
  const { handle, info } = await openFile(volume.dir, given);
  try {
    // The stream closes the file once it has been read, or destroyed (sendReply).
    return fileReply(handle, info, input.header, given);
  } catch (error) {
    await handle.close();
    throw error;
  }
};
