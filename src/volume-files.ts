// The volume file endpoints: list, walk, search, read (whole or a byte range), write and move.
// The spec's rules (a path without ".." segments, a non-empty search) are checked by `invoke`; the
// rules here are the ones JSON Schema cannot state for these calls: byte-range arithmetic, the write
// size limit, a file path that names a file, and a move onto itself.
import { DEFAULTS } from "./defaults.js";
import { ValidationError, type ValidationIssue } from "./errors.js";
import { invoke } from "./operation.js";
import type { RequestOptions, Transport } from "./transport.js";
import type { VolumeFileEntry, VolumeFileListResponse } from "./types.js";
import { check } from "./validate.js";

/**
 * A byte range of a file: `length` bytes from `offset`. Both default to the whole file.
 *
 * @example
 * ```ts
 * const header = await volume.readFile("datasets/train-000.parquet", { offset: 0, length: 4 }); // "PAR1"
 * const rest = await volume.readFile("logs/run.log", { offset: 1_048_576 }); // from 1 MiB to the end
 * ```
 */
export interface ByteRange {
  /** First byte to read, 0-based. Default 0. */
  offset?: number | undefined;
  /** Bytes to read, 1 or more. Default: to the end of the file. */
  length?: number | undefined;
}

/**
 * What `writeFile` accepts. A string is written as UTF-8. A stream is sent as it is read, so its size is
 * unknown until sent and it is never retried; the API answers 413 past 1 GiB.
 *
 * @example
 * ```ts
 * const data: FileData = JSON.stringify({ accuracy: 0.93 });
 * await volume.writeFile("results/metrics.json", data);
 * await volume.writeFile("results/weights.bin", new Uint8Array([0x00, 0x01, 0x02]));
 * ```
 */
export type FileData = Uint8Array | string | Blob | ReadableStream<Uint8Array>;

/**
 * An entry met by `iterdir`: the API's entry (wire names) with its full path on the volume.
 *
 * @example
 * ```ts
 * for await (const entry of volume.iterdir("datasets")) {
 *   if (entry.type === "file" && entry.name.endsWith(".parquet")) console.log(entry.path, entry.size_bytes);
 * }
 * ```
 */
export interface VolumeTreeEntry extends Omit<VolumeFileEntry, "entries" | "truncated"> {
  /** The entry's path: the walk's starting directory joined with each name down to this one. */
  path: string;
  /** Directories only: the server left some of its entries out even when listed on its own, so the
   * walk could not reach them. */
  truncated?: boolean;
}

export const throwIfAny = (label: string, issues: ValidationIssue[]) => {
  if (issues.length) throw new ValidationError(label, issues);
};

/** Checks a path that must name a file, against the spec's VolumeFilePath rule and then this one. */
export function fileIssues(field: string, value: unknown, issues: ValidationIssue[]): void {
  const before = issues.length;
  check({ $ref: "VolumeFilePath" }, value, field, issues);
  if (issues.length === before && typeof value === "string" && value.endsWith("/")) {
    issues.push({ path: field, message: 'must name a file, so must not end with "/"' });
  }
}

/** Pushes an issue unless `value` is a whole number of bytes, `min` or more; says whether it is one. */
export function wholeBytes(field: string, value: number, min: number, issues: ValidationIssue[]): boolean {
  const whole = Number.isSafeInteger(value) && value >= min;
  if (!whole) issues.push({ path: field, message: `must be a whole number of bytes, ${min} or more` });
  return whole;
}

/** Checks a byte range; returns its first byte and its end (exclusive; Infinity when it runs to the end
 * of the file). */
export function byteRange({ offset = 0, length }: ByteRange, issues: ValidationIssue[]): { offset: number; end: number } {
  const end = offset + (length ?? Infinity);
  wholeBytes("offset", offset, 0, issues);
  if (length !== undefined && wholeBytes("length", length, 1, issues) && !Number.isSafeInteger(end)) issues.push({ path: "length", message: "offset + length must be at most 2^53 - 1" });
  return { offset, end };
}

/** Lists one directory; `query` may also hold `search` (entries whose name contains it). Fields left
 * undefined are neither checked nor sent. `label` names the caller's arguments in validation errors. */
export async function list(t: Transport, id: string, label: string, query: { path?: string | undefined; search?: string }, options?: RequestOptions): Promise<VolumeFileListResponse> {
  const { data } = await invoke(t, "listVolumeFiles", { path: { id }, query }, options, { label });
  return data;
}

/** Walks the tree depth-first, listing each directory only when the walk reaches it. Directories the
 * server inlined completely cost no request; inlined ones marked `truncated` are listed on their own. */
export async function* iterdir(t: Transport, id: string, start: string | undefined, options?: RequestOptions): AsyncGenerator<VolumeTreeEntry, void, undefined> {
  const root = await list(t, id, "listdir arguments", { path: start }, options);
  yield* children(root.entries, start ?? "/");

  async function* children(entries: VolumeFileEntry[], dir: string): AsyncGenerator<VolumeTreeEntry, void, undefined> {
    for (const { entries: inline, truncated, ...entry } of entries) {
      const path = dir.endsWith("/") ? dir + entry.name : `${dir}/${entry.name}`;
      if (entry.type === "directory") {
        const listing = inline && !truncated ? { entries: inline, truncated: false } : await list(t, id, "listdir arguments", { path }, options);
        yield { ...entry, path, truncated: listing.truncated };
        yield* children(listing.entries, path);
      } else {
        yield { ...entry, path };
      }
    }
  }
}

export async function readFile(t: Transport, id: string, path: string, range?: ByteRange, options?: RequestOptions): Promise<Uint8Array> {
  const label = "readFile arguments";
  const issues: ValidationIssue[] = [];
  fileIssues("path", path, issues);
  const { offset, end } = byteRange(range ?? {}, issues);
  throwIfAny(label, issues);
  // No header for the whole file.
  const Range = end < Infinity ? `bytes=${offset}-${end - 1}` : offset > 0 ? `bytes=${offset}-` : undefined;
  const out = await invoke(t, "readVolumeFile", { path: { id }, query: { path }, header: Range ? { Range } : {} }, options, { read: "bytes", label });
  const bytes = out.data as unknown as Uint8Array;
  // A server that ignores `Range` answers 200 with the whole file: cut the asked-for part out of it.
  return out.status === 200 && Range ? bytes.subarray(offset, end) : bytes;
}

export async function writeFile(t: Transport, id: string, path: string, data: FileData, options?: RequestOptions): Promise<void> {
  const label = "writeFile arguments";
  const issues: ValidationIssue[] = [];
  fileIssues("path", path, issues);
  const body = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const size = body instanceof Uint8Array ? body.byteLength : body instanceof Blob ? body.size : undefined;
  if (size !== undefined) {
    if (size > DEFAULTS.maxWriteBytes) issues.push({ path: "data", message: `must be at most ${DEFAULTS.maxWriteBytes} bytes (1 GiB), the API's limit per file; has ${size}` });
  } else if (!(body instanceof ReadableStream)) {
    // A stream's size is unknown until sent; anything else is not file content.
    issues.push({ path: "data", message: "must be a Uint8Array, a string, a Blob or a ReadableStream" });
  }
  throwIfAny(label, issues);
  await invoke(t, "writeVolumeFile", { path: { id }, query: { path } }, options, {
    read: "none",
    rawBody: body as BodyInit,
    contentType: "application/octet-stream",
    label,
  });
}

export async function moveFile(t: Transport, id: string, from: string, to: string, options?: RequestOptions): Promise<void> {
  const label = "moveFile arguments";
  const issues: ValidationIssue[] = [];
  fileIssues("from", from, issues);
  fileIssues("to", to, issues);
  // A leading "/" also means the root, so "a" and "/a" are the same file.
  if (!issues.length && from.replace(/^\/+/, "") === to.replace(/^\/+/, "")) issues.push({ path: "to", message: "must differ from `from` (a move never overwrites)" });
  throwIfAny(label, issues);
  await invoke(t, "moveVolumeFile", { path: { id }, body: { from, to } }, options, { read: "none", retry: "unstarted", label });
}
