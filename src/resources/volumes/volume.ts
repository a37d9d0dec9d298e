// The `Volume` handle: the last-known volume record (wire names unchanged), lifecycle helpers, and the
// file API under the names of Porter's published SDK (listdir, iterdir, search, readFile, readText,
// stream, writeFile, writeText, moveFile). Paths are on the volume: relative ones start at its root,
// and a leading "/" also means the root. The file API is for disk volumes: Porter's API has none for
// object volumes, so the file methods refuse them before sending anything. Also `deleteVolume`, the
// delete request that both the handle and `porter.volumes` send.
import { ConflictError, ValidationError } from "../../core/errors.js";
import { invoke } from "../../internal/operation.js";
import { adopt, attach, type ResponseInfo, type WithResponse } from "../../core/response-info.js";
import type { Transport } from "../../internal/transport.js";
import type { RequestOptions } from "../../core/options.js";
import type { Outcome } from "../../core/response-info.js";
import type { VolumeFileListResponse, VolumeRecord } from "../../core/types.js";
import { ObjectVolumeError, VolumeFailedError, VolumeInUseError } from "./volume-errors.js";
import * as files from "./volume-files.js";
import type { ByteRange, FileData, SuffixRange, VolumeSearchResult, VolumeTreeEntry } from "./volume-files.js";
import { stream, type StreamOptions, type VolumeFileStream } from "./volume-stream.js";
import { pollUntil, type WaitOptions } from "../../internal/wait.js";

export interface Volume extends Readonly<VolumeRecord> {}

/**
 * A volume: its last-known record (`id`, `name`, `type`, `path`, `phase`, `attached_to`, `created_at`, and
 * `object` for an object volume) and, for a disk volume, its files.
 *
 * @example
 * ```ts
 * const volume = await (await porter.volumes.create({ name: "my-data" })).waitUntilReady();
 * await volume.writeText("notes/hello.txt", "hi");
 * console.log(await volume.readText("notes/hello.txt"));
 * for await (const entry of volume.iterdir()) console.log(entry.path, entry.size_bytes);
 * ```
 */
export class Volume {
  readonly #transport: Transport;
  /** The HTTP exchange behind this handle's latest record: request id, attempts, idempotency key, replay. */
  declare readonly lastResponse: ResponseInfo | undefined;

  /** @internal Handles come from `porter.volumes`; they are not constructed directly. */
  constructor(transport: Transport, record: VolumeRecord, outcome?: Outcome<unknown>) {
    this.#transport = transport;
    adopt(this, record, outcome);
  }

  /** Refetches the record, updates this handle (`phase`, `attached_to`, ...) and returns the new record. */
  async refresh(options?: RequestOptions): Promise<WithResponse<VolumeRecord>> {
    const outcome = await invoke(this.#transport, "getVolume", { path: { id: this.id } }, options);
    adopt(this, outcome.data, outcome);
    return attach(outcome.data, outcome);
  }

  /** Deletes the volume and its files. While a sandbox that has not ended has it mounted, fails with
   * `VolumeInUseError`, whose `attached_to` names those sandboxes. */
  async delete(options?: RequestOptions): Promise<void> {
    await deleteVolume(this.#transport, this.id, options);
  }

  /** Resolves with this handle once the volume is `ready`; fails at once with `VolumeFailedError` if
   * provisioning failed, and with `SandboxTimeoutError` after `timeoutMs` (default 120 s). */
  async waitUntilReady(options: WaitOptions = {}): Promise<this> {
    await pollUntil(
      this.#transport,
      `volume ${this.name} to be ready`,
      async (signal, left) => {
        if (this.phase !== "ready") await this.refresh({ signal, totalTimeoutMs: left });
        return this.#readyYet();
      },
      options,
    );
    return this;
  }

  /** For `waitUntilReady`'s polling: true once ready, undefined to poll again; a failed volume never will be. */
  #readyYet(): true | undefined {
    if (this.phase === "ready") return true;
    if (this.phase === "failed")
      throw new VolumeFailedError(
        `volume ${this.name} (${this.id}) failed to provision and will never be ready; ` +
          "delete it and create another",
        { volumeId: this.id },
      );
    return undefined;
  }

  /**
   * Lists a directory (default: the root) in one request, as the API answers: `{ path, entries, truncated }`.
   * The API walks the tree under `path` breadth-first up to an entry budget, so `entries` are the
   * directory's direct children (directories first, then files, each by name), and each directory the
   * walk read carries its own children as nested `entries`. A directory it did not (fully) read carries
   * `truncated: true` and no `entries`: list it directly, or let `iterdir` do so. `truncated` on the answer
   * says the budget ran out.
   */
  async listdir(path?: string, options?: RequestOptions): Promise<VolumeFileListResponse> {
    this.#diskOnly("listdir");
    return files.list(this.#transport, this.id, "listdir arguments", { path }, options);
  }

  /**
   * Walks the whole tree under `path` (default: the root), yielding every entry once with its full `path`
   * ("/"-rooted), each directory before its contents. Lazy, one request per listing: the first listing,
   * then each directory the server left `truncated`, listed on its own when the walk reaches it, so
   * breaking out early stops the requests. A directory is yielded with `truncated: true` when even its own
   * listing may lack some of its direct entries (it holds more than the server's budget, which no request
   * can read past); for the starting directory, see `listdir(path).truncated`.
   */
  async *iterdir(path?: string, options?: RequestOptions): AsyncGenerator<VolumeTreeEntry, void, undefined> {
    this.#diskOnly("iterdir");
    yield* files.iterdir(this.#transport, this.id, path, options);
  }

  /**
   * Finds the entries under `path` (default: the root) whose own name contains `term`, case-insensitively,
   * at any depth, each with its full `path`: one request, which the API answers with its walk pruned to
   * the matches and the directories holding them. The search covers what one walk reaches: directories the
   * server left `truncated` are not searched (listing them would drop the term), and `truncated` on the
   * result says the walk stopped early; filter `iterdir()` to search everything.
   */
  async search(term: string, path?: string, options?: RequestOptions): Promise<VolumeSearchResult> {
    this.#diskOnly("search");
    return files.search(this.#transport, this.id, term, path, options);
  }

  /**
   * Reads a file, or part of it: `length` bytes from `offset` (sent as `Range: bytes=offset-(offset+length-1)`),
   * or the last `suffix` bytes (`Range: bytes=-suffix`). An empty file reads as empty bytes whatever the
   * range. A range that starts past the end of a non-empty file fails with status 416.
   */
  async readFile(path: string, range?: ByteRange | SuffixRange, options?: RequestOptions): Promise<Uint8Array> {
    this.#diskOnly("readFile");
    return files.readFile(this.#transport, this.id, path, range, options);
  }

  /** `readFile` decoded as UTF-8. A byte range that splits a character yields U+FFFD for it. */
  async readText(path: string, range?: ByteRange | SuffixRange, options?: RequestOptions): Promise<string> {
    this.#diskOnly("readText");
    return new TextDecoder().decode(await files.readFile(this.#transport, this.id, path, range, options));
  }

  /**
   * Streams a file (or a byte range of it) without holding it in memory: a web `ReadableStream` that
   * is also async-iterable. Pull-based: each chunk of at most `chunkBytes` (default 4 MiB) is fetched
   * by its own `Range` request only when the consumer asks for it, so memory stays at one chunk. An empty
   * file is an empty stream. If the file is replaced mid-stream, the stream errors (code `conflict`)
   * rather than mix two versions. Cancelling the stream (or `break` in `for await`) aborts the request
   * in flight.
   */
  stream(path: string, opts?: StreamOptions, options?: RequestOptions): VolumeFileStream {
    this.#diskOnly("stream");
    return stream(this.#transport, this.id, path, opts, options);
  }

  /**
   * Writes a file atomically (readers see the old or the new content), creating missing parent
   * directories and replacing any file there. At most 1 GiB: larger known sizes are refused before
   * sending. Porter's API answers a write with a 307 to where the file is written, and the SDK sends the
   * content there again (without credentials if that is another origin). A `Uint8Array`, string or `Blob`
   * can be sent twice; a `ReadableStream` cannot, so a redirected stream write fails with
   * `StreamRedirectError` and writes nothing (a stream also is never retried).
   */
  async writeFile(path: string, data: FileData, options?: RequestOptions): Promise<void> {
    this.#diskOnly("writeFile");
    return files.writeFile(this.#transport, this.id, path, data, options);
  }

  /** `writeFile` with `text` encoded as UTF-8. */
  async writeText(path: string, text: string, options?: RequestOptions): Promise<void> {
    this.#diskOnly("writeText");
    if (typeof text !== "string")
      throw new ValidationError("writeText arguments", [{ path: "text", message: "must be a string" }]);
    return files.writeFile(this.#transport, this.id, path, text, options);
  }

  /**
   * Moves a file, or a directory with everything under it. `to` is the full new path (not a directory to
   * move into), so one move both renames and relocates. Never overwrites: an existing `to` fails with
   * `ConflictError`; the parent of `to` must exist (`NotFoundError` otherwise). The root cannot be moved,
   * nor a directory into itself. Retried only when the API proves it did not start.
   */
  async moveFile(from: string, to: string, options?: RequestOptions): Promise<void> {
    this.#diskOnly("moveFile");
    return files.moveFile(this.#transport, this.id, from, to, options);
  }

  /**
   * Object volumes have no file API in Porter's API (their objects are read through their bucket), so a
   * file method on one is refused before any request. A record without `type` comes from a server older
   * than object volumes: a disk volume.
   */
  #diskOnly(method: string): void {
    // Not `type === "disk"`: a record from an older server has no `type`.
    if (this.type !== "object") return;
    throw new ObjectVolumeError(
      `${method}: volume ${this.name} (${this.id}) is an object volume${bucketNote(this.object)}, ` +
        "and Porter's API has a file API for disk volumes only; " +
        "read and write its objects through its bucket, or from a sandbox that mounts the volume",
      { volumeId: this.id },
    );
  }

  /** The record, for `JSON.stringify`. */
  toJSON(): VolumeRecord {
    return { ...this } as VolumeRecord;
  }
}

/** Where an object volume's objects are, for its errors: " (bucket b, prefix p)", or "" when unknown. */
function bucketNote(object: VolumeRecord["object"]): string {
  if (!object?.bucket) return "";
  const prefix = object.prefix ? `, prefix ${object.prefix}` : "";
  return ` (bucket ${object.bucket}${prefix})`;
}

// The delete request is sent from here by both `volume.delete()` and `porter.volumes.delete()`: volumes.ts
// imports from this file, so keeping it here spares the two files an import cycle.

/** Deletes a volume by id; a 409 becomes `VolumeInUseError` naming the sandboxes that hold it. */
export async function deleteVolume(transport: Transport, id: string, options?: RequestOptions): Promise<void> {
  try {
    await invoke(transport, "deleteVolume", { path: { id } }, options, { read: "none", label: "volume name or id" });
  } catch (error) {
    // The transport raises ConflictError for a 409 and for nothing else.
    if (!(error instanceof ConflictError)) throw error;
    throw volumeInUse(id, error, await holdersOf(transport, id, error, options));
  }
}

/**
 * The sandboxes holding a volume whose delete answered 409 (empty when that cannot be learned). Porter's
 * 409 body names them only in its human message, which is not parsed: a server that sends `attached_to`
 * is believed, otherwise the volume's record says, when it can be read.
 */
async function holdersOf(
  transport: Transport,
  id: string,
  conflict: ConflictError,
  options?: RequestOptions,
): Promise<string[]> {
  const fromBody = (conflict.body as { attached_to?: unknown } | null | undefined)?.attached_to;
  if (isIds(fromBody)) return fromBody;
  try {
    const { data } = await invoke(transport, "getVolume", { path: { id } }, options);
    return isIds(data.attached_to) ? data.attached_to : [];
  } catch {
    // The record could not be read: the error then says the API did not say which.
    return [];
  }
}

/** The `VolumeInUseError` for a delete's 409, carrying over the 409's own fields (status, code, body,
 * request id, attempts). */
function volumeInUse(id: string, conflict: ConflictError, holders: string[]): VolumeInUseError {
  const who = holders.length ? `sandboxes ${holders.join(", ")}` : "a sandbox (the API did not say which)";
  const request = conflict.requestId ? ` (request ${conflict.requestId})` : "";
  const inUse = new VolumeInUseError(
    `volume ${id} cannot be deleted: it is attached to ${who}; terminate them first${request}`,
    { ...conflict, cause: conflict, volumeId: id, attached_to: holders },
  );
  // The constructor starts every error at 0 attempts; this one took the 409's.
  inUse.attempts = conflict.attempts;
  return inUse;
}

/** Whether `value` is a list of ids, as `attached_to` must be for its sandboxes to be named. */
function isIds(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}
