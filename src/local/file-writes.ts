// Writing a file on a volume: atomic (a temporary file renamed over the target), parents created,
// bounded by `maxFileBytes`. By default the API request is answered with a 307 to a one-time upload
// link (uploads.ts), where the body is taken, as Porter's API does.
import { randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, stat, unlink } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import { creatable } from "./confine.js";
import type { Handler } from "./handler.js";
import { ApiError, conflict, notFound, type Reply } from "./http.js";
import type { Store, VolumeState } from "./store.js";
import { UPLOAD_PREFIX } from "./uploads.js";

function tooLarge(max: number): ApiError {
  // The rest of an oversized body is never read: the connection is closed after answering.
  return new ApiError(413, `file exceeds the maximum size of ${max} bytes`, "invalid_request", { connection: "close" });
}

/** Refuses a body announced (by Content-Length) as larger than the limit, before reading any of it. */
function refuseAnnouncedOversize(req: IncomingMessage, max: number): void {
  if (Number(req.headers["content-length"] ?? 0) > max) throw tooLarge(max);
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

/** Where `given` would be written: the deepest existing ancestor and the segments below it, refused
 * (409) when the path is a directory or a parent is a file. */
async function destination(volume: VolumeState, given: string): Promise<{ ancestor: string; rest: string[] }> {
  const { ancestor, rest } = await creatable(volume.dir, given);
  const info = await stat(ancestor);
  if (rest.length === 0 && info.isDirectory()) throw conflict(`path ${JSON.stringify(given)} is a directory`);
  if (rest.length > 0 && !info.isDirectory()) throw conflict(`a parent of path ${JSON.stringify(given)} is a file`);
  return { ancestor, rest };
}

/** Takes the request body as the new content of `given`: readers see the old or the new content, never a part. */
async function writeFile(store: Store, volume: VolumeState, given: string, req: IncomingMessage): Promise<void> {
  const max = store.options.maxFileBytes;
  refuseAnnouncedOversize(req, max);
  const { ancestor, rest } = await destination(volume, given);
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
}

export const writeVolumeFile: Handler = async ({ store, input, req }) => {
  const volume = store.diskVolume(input.path.id!);
  const given = input.query.path as string;
  if (!store.options.redirectWrites) {
    await writeFile(store, volume, given, req);
    return { status: 204 };
  }
  // Refused here what can be, so that a client does not send the body a second time only to hear it.
  refuseAnnouncedOversize(req, store.options.maxFileBytes);
  await destination(volume, given);
  // The body of this request is not read; Node discards it once the answer is sent.
  return { status: 307, headers: { location: store.uploads.issue({ volumeId: volume.id, path: given }) } };
};

/** `PUT /_local/uploads/<token>`: the second leg of a redirected write. Authorized by the token alone. */
export async function acceptUpload(store: Store, req: IncomingMessage, pathname: string): Promise<Reply> {
  if (req.method !== "PUT")
    throw new ApiError(405, `method ${req.method} is not allowed on ${pathname}`, "invalid_request", { allow: "PUT" });
  const target = store.uploads.take(pathname.slice(UPLOAD_PREFIX.length));
  if (!target) throw notFound("upload link not found: it was already used, has expired, or never existed");
  await writeFile(store, store.diskVolume(target.volumeId), target.path, req);
  return { status: 204 };
}
