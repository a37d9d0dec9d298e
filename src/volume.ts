// The `Volume` handle: the last-known volume record (wire names unchanged), lifecycle helpers, and the
// file API under the names of Porter's published SDK (listdir, iterdir, search, readFile, readText,
// stream, writeFile, writeText, moveFile). Paths are on the volume: relative ones start at its root,
// and a leading "/" also means the root.
import { ValidationError } from "./errors.js";
import { invoke } from "./operation.js";
import { adopt, attach, type ResponseInfo, type WithResponse } from "./response-info.js";
import type { Outcome, RequestOptions, Transport } from "./transport.js";
import type { VolumeFileListResponse, VolumeRecord } from "./types.js";
import { deleteVolume, VolumeFailedError } from "./volume-errors.js";
import * as files from "./volume-files.js";
import type { ByteRange, FileData, VolumeTreeEntry } from "./volume-files.js";
import { stream, type StreamOptions, type VolumeFileStream } from "./volume-stream.js";
import { pollUntil, type WaitOptions } from "./wait.js";

export interface Volume extends Readonly<VolumeRecord> {}

/**
 * A volume: its last-known record (`id`, `name`, `phase`, `attached_to`, `created_at`) and its files.
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
    await pollUntil(`volume ${this.name} to be ready`, async (signal, left) => {
      if (this.phase !== "ready") await this.refresh({ signal, totalTimeoutMs: left });
      if (this.phase === "ready") return true;
      if (this.phase === "failed") throw new VolumeFailedError(`volume ${this.name} (${this.id}) failed to provision and will never be ready; delete it and create another`, { volumeId: this.id });
      return undefined;
    }, options);
    return this;
  }

  /** Lists one directory (default: the root): `{ path, entries, truncated }`. The server caps the
   * listing; `truncated` says when it left entries out. */
  listdir(path?: string, options?: RequestOptions): Promise<VolumeFileListResponse> {
    return files.list(this.#transport, this.id, "listdir arguments", { path }, options);
  }

  /**
   * Walks the tree under `path` (default: the root) depth-first, directories before their contents,
   * yielding every entry with its full `path`. Lazy: a directory is listed only when the walk reaches
   * it, so breaking out early stops the requests. Directories the server inlined in full cost no
   * request; inlined ones marked `truncated` are listed on their own. A directory whose own listing
   * is still cut short by the server is yielded with `truncated: true` (for the starting directory,
   * see `listdir(path).truncated`).
   */
  iterdir(path?: string, options?: RequestOptions): AsyncGenerator<VolumeTreeEntry, void, undefined> {
    return files.iterdir(this.#transport, this.id, path, options);
  }

  /** Entries of one directory (default: the root) whose name contains `query`, case-insensitively.
   * Not recursive (the API searches one level); filter `iterdir()` to search a whole tree. */
  search(query: string, path?: string, options?: RequestOptions): Promise<VolumeFileListResponse> {
    return files.list(this.#transport, this.id, "search arguments", { path, search: query }, options);
  }

  /** Reads a file, or `length` bytes of it from `offset` (sent as `Range: bytes=offset-(offset+length-1)`).
   * A range that starts past the end of the file fails with status 416. */
  readFile(path: string, range?: ByteRange, options?: RequestOptions): Promise<Uint8Array> {
    return files.readFile(this.#transport, this.id, path, range, options);
  }

  /** `readFile` decoded as UTF-8. A byte range that splits a character yields U+FFFD for it. */
  async readText(path: string, range?: ByteRange, options?: RequestOptions): Promise<string> {
    return new TextDecoder().decode(await this.readFile(path, range, options));
  }

  /**
   * Streams a file (or a byte range of it) without holding it in memory: a web `ReadableStream` that
   * is also async-iterable. Pull-based: each chunk of at most `chunkBytes` (default 4 MiB) is fetched
   * by its own `Range` request only when the consumer asks for it, so memory stays at one chunk. If the
   * file is replaced mid-stream, the stream errors (code `conflict`) rather than mix two versions.
   * Cancelling the stream (or `break` in `for await`) aborts the request in flight.
   */
  stream(path: string, opts?: StreamOptions, options?: RequestOptions): VolumeFileStream {
    return stream(this.#transport, this.id, path, opts, options);
  }

  /** Writes a file atomically (readers see the old or the new content), creating missing parent
   * directories and replacing any file there. At most 1 GiB: larger known sizes are refused before
   * sending. A `ReadableStream` is uploaded as read and never retried. */
  writeFile(path: string, data: FileData, options?: RequestOptions): Promise<void> {
    return files.writeFile(this.#transport, this.id, path, data, options);
  }

  /** `writeFile` with `text` encoded as UTF-8. */
  writeText(path: string, text: string, options?: RequestOptions): Promise<void> {
    if (typeof text !== "string") return Promise.reject(new ValidationError("writeText arguments", [{ path: "text", message: "must be a string" }]));
    return files.writeFile(this.#transport, this.id, path, text, options);
  }

  /** Moves (renames) a file. Never overwrites: an existing `to` fails with `ConflictError`; the parent
   * of `to` must exist (`NotFoundError` otherwise). Retried only when the API proves it did not start. */
  moveFile(from: string, to: string, options?: RequestOptions): Promise<void> {
    return files.moveFile(this.#transport, this.id, from, to, options);
  }

  /** The record, for `JSON.stringify`. */
  toJSON(): VolumeRecord {
    return { ...this } as VolumeRecord;
  }
}
