// The volume file endpoints: list, walk, search, read (whole or a byte range), write and move.
// The spec's rules (a path without ".." segments, a non-empty search) are checked by `invoke`; the
// rules here are the ones JSON Schema cannot state for these calls: byte-range arithmetic, the write
// size limit, a file path that names a file, and a move onto itself or into itself.
//
// Porter's listing is a breadth-first walk of the whole tree under `path`, up to a server-side entry
// budget: directories carry their children as nested `entries`, and a directory the walk did not (fully)
// read carries `truncated: true` and no `entries`. The walk here continues such a directory by listing it
// on its own.
import { DEFAULTS } from "../../core/defaults.js";
import { ValidationError, type ValidationIssue } from "../../core/errors.js";
import { invoke } from "../../internal/operation.js";
import type { Transport } from "../../internal/transport.js";
import type { RequestOptions } from "../../core/options.js";
import type { VolumeFileEntry, VolumeFileListResponse } from "../../core/types.js";
import { check } from "../../internal/validate.js";

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
 * The last `suffix` bytes of a file (the whole file when it is shorter), sent as `Range: bytes=-suffix`.
 *
 * @example
 * ```ts
 * const tail = await volume.readText("logs/run.log", { suffix: 4096 }); // the last 4 KiB
 * const footer = await volume.readFile("datasets/train-000.parquet", { suffix: 8 }); // length + "PAR1"
 * ```
 */
export interface SuffixRange {
  /** Bytes to read from the end of the file, 1 or more. */
  suffix: number;
}

/**
 * What `writeFile` accepts. A string is written as UTF-8. A stream is sent as it is read, so its size is
 * unknown until sent, it is never retried, and it cannot follow the 307 with which Porter's API answers
 * a write (`StreamRedirectError`): pass a `Uint8Array`, a string or a `Blob` to write through Porter's API.
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
 * An entry met by `iterdir` or found by `search`: the API's entry (wire names) with its full path on the
 * volume, and without nested `entries` (the walk yields those on their own).
 *
 * @example
 * ```ts
 * for await (const entry of volume.iterdir("datasets")) {
 *   if (entry.type === "file" && entry.name.endsWith(".parquet")) console.log(entry.path, entry.size_bytes);
 * }
 * ```
 */
export interface VolumeTreeEntry extends Omit<VolumeFileEntry, "entries" | "truncated"> {
  /** The entry's path from the volume root, starting with "/": the listed directory joined with each
   * name down to this entry. It can be passed to every file method. */
  path: string;
  /** Directories only: entries inside this directory may be missing from what you were given. From
   * `iterdir`: listed on its own, the directory ran out of the server's entry budget before any of its
   * subdirectories was entered, so some of its direct entries may be cut (no request can read past the
   * budget). From `search`: the server's walk did not reach inside it, so it was not searched. */
  truncated?: boolean;
}

/**
 * What `search` found: every entry whose own name contains the term, with its full path, in walk order.
 *
 * @example
 * ```ts
 * const { entries, truncated } = await volume.search(".parquet", "datasets");
 * for (const entry of entries) console.log(entry.path, entry.size_bytes);
 * if (truncated) console.warn("the server's walk stopped early: filter volume.iterdir() to search everything");
 * ```
 */
export interface VolumeSearchResult {
  /** The directory searched, as the API echoed it ("/"-rooted). */
  path: string;
  /** The matching entries, flat (no nested `entries`), each with its full `path`. */
  entries: VolumeTreeEntry[];
  /** The server's walk ran out of its entry budget, so part of the tree was not searched. */
  truncated: boolean;
}

/** Throws one `ValidationError` with every issue found, if any: the caller learns all of them at once. */
export function throwIfAny(label: string, issues: ValidationIssue[]): void {
  if (issues.length) throw new ValidationError(label, issues);
}

/** Checks a path that must name a file, against the spec's VolumeFilePath rule and then this one. */
export function fileIssues(field: string, value: unknown, issues: ValidationIssue[]): void {
  const before = issues.length;
  check({ $ref: "VolumeFilePath" }, value, field, issues);
  // Only a path the spec accepts is checked further, so that a bad one gets one issue, not two.
  const passedSpecRule = issues.length === before;
  const namesDirectory = typeof value === "string" && value.endsWith("/");
  if (passedSpecRule && namesDirectory) {
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
export function byteRange(
  { offset = 0, length }: ByteRange,
  issues: ValidationIssue[],
): { offset: number; end: number } {
  const end = offset + (length ?? Infinity);
  wholeBytes("offset", offset, 0, issues);
  if (length === undefined) return { offset, end };
  // The end is only worth checking for a length that is itself whole: one issue per mistake.
  const wholeLength = wholeBytes("length", length, 1, issues);
  if (wholeLength && !Number.isSafeInteger(end))
    issues.push({ path: "length", message: "offset + length must be at most 2^53 - 1" });
  return { offset, end };
}

/** A path without its leading and trailing "/": "a", "/a" and "a/" name the same entry. */
function bare(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

/** The "/"-rooted form of a directory path on the volume ("/" for the root), as the API echoes it. */
export function rooted(path: string | undefined): string {
  return `/${bare(path ?? "")}`;
}

/** Whether `path` names an entry somewhere under the directory `dir` (not `dir` itself). */
function isInside(path: string, dir: string): boolean {
  return bare(path).startsWith(`${bare(dir)}/`);
}

/** `path` without its trailing "/": a directory may be named either way, and is sent one way. */
function withoutTrailingSlashes(path: string): string {
  return path.replace(/\/+$/, "");
}

/** The path of the entry `name` in the "/"-rooted directory `dir`. */
function childPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** Where an answer's entries hang: the directory the API says it walked (an entry's path joins the names
 * from there down), or the one asked for when the echo is missing. */
function base(listing: VolumeFileListResponse, asked: string | undefined): string {
  return rooted(listing.path || asked);
}

/** Lists a directory; `query` may also hold `search`. Fields left undefined are neither checked nor
 * sent. `label` names the caller's arguments in validation errors. */
export async function list(
  t: Transport,
  id: string,
  label: string,
  query: { path?: string | undefined; search?: string },
  options?: RequestOptions,
): Promise<VolumeFileListResponse> {
  const { data } = await invoke(t, "listVolumeFiles", { path: { id }, query }, options, { label });
  return data;
}

/**
 * The entries of one answer's tree, depth-first, each directory before its contents, with full paths.
 * A directory marked `truncated` is yielded as marked and not entered: the walk did not (fully) read it,
 * so whatever it may carry is incomplete, and the caller decides whether to list it on its own.
 */
function* flatten(entries: readonly VolumeFileEntry[], dir: string): Generator<VolumeTreeEntry, void, undefined> {
  for (const { entries: children, truncated, ...entry } of entries) {
    const path = childPath(dir, entry.name);
    if (entry.type !== "directory") {
      yield { ...entry, path };
      continue;
    }
    const readWhole = truncated !== true;
    yield { ...entry, path, truncated: !readWhole };
    if (readWhole) yield* flatten(children ?? [], path);
  }
}

/**
 * Whether a directory listed on its own may still lack some of its direct entries. The answer's
 * `truncated` says only that the budget ran out somewhere. The walk is breadth-first, so it enters a
 * subdirectory only after reading every direct entry: if any subdirectory was entered, the direct entries
 * are complete and the cut is below, where the marks say. If none was, the budget may have run out among
 * the direct entries, and listing again cannot get past it.
 */
function ownEntriesCut(listing: VolumeFileListResponse): boolean {
  // Entered: read whole (not marked), or read in part (marked, but carrying what was read).
  const entered = (e: VolumeFileEntry) => e.type === "directory" && (e.truncated !== true || e.entries !== undefined);
  return listing.truncated && !listing.entries.some(entered);
}

/** What a walk needs to list the directories it continues. */
interface Walk {
  transport: Transport;
  volumeId: string;
  options: RequestOptions | undefined;
}

/**
 * Walks the tree under `start` lazily: the first listing, then each directory the server marked
 * `truncated`, listed on its own when the walk reaches it (one request per listing). An entry comes from
 * exactly one answer: a marked directory's contents come from its own listing only.
 */
export async function* iterdir(
  t: Transport,
  id: string,
  start: string | undefined,
  options?: RequestOptions,
): AsyncGenerator<VolumeTreeEntry, void, undefined> {
  const first = await list(t, id, "listdir arguments", { path: start }, options);
  yield* continueWalk({ transport: t, volumeId: id, options }, first, base(first, start));
}

/** Yields the entries of one listing, listing each directory it left `truncated` on its own when the walk
 * reaches it, and walking that listing in turn. */
async function* continueWalk(
  walk: Walk,
  listing: VolumeFileListResponse,
  dir: string,
): AsyncGenerator<VolumeTreeEntry, void, undefined> {
  for (const entry of flatten(listing.entries, dir)) {
    if (entry.truncated !== true) {
      yield entry;
      continue;
    }
    const own = await list(walk.transport, walk.volumeId, "listdir arguments", { path: entry.path }, walk.options);
    yield { ...entry, truncated: ownEntriesCut(own) };
    yield* continueWalk(walk, own, base(own, entry.path));
  }
}

/**
 * Searches the tree under `start` in one request: the API walks it as it lists, matches `term` against
 * entry names case-insensitively, and prunes the tree to the matches and the directories holding them.
 * Those directories are dropped here unless their own name matches. Truncated directories are not
 * listed on their own: a plain listing would drop the search term.
 */
export async function search(
  t: Transport,
  id: string,
  term: string,
  start: string | undefined,
  options?: RequestOptions,
): Promise<VolumeSearchResult> {
  const label = "search arguments";
  // "" would match every name, so the search would be a listing of the whole tree.
  if (typeof term !== "string" || term === "")
    throw new ValidationError(label, [{ path: "search", message: "must be a non-empty string" }]);
  const listing = await list(t, id, label, { path: start, search: term }, options);
  const needle = term.toLowerCase();
  const nameMatches = (entry: VolumeTreeEntry) => entry.name.toLowerCase().includes(needle);
  const entries = [...flatten(listing.entries, base(listing, start))].filter(nameMatches);
  return { path: listing.path, entries, truncated: listing.truncated };
}

/** The `Range` header of a read, and how to take the asked-for part out of a whole file. */
interface ReadRange {
  header: string | undefined;
  fromWhole(bytes: Uint8Array): Uint8Array;
}

/** Checks the range of a read and says how to ask for it: a suffix, a byte range, or (with neither) the
 * whole file. */
function readRange(range: ByteRange | SuffixRange, issues: ValidationIssue[]): ReadRange {
  const isSuffix = "suffix" in range && range.suffix !== undefined;
  if (isSuffix) return suffixRange(range, issues);
  const { offset, end } = byteRange(range as ByteRange, issues);
  return { header: rangeHeader(offset, end), fromWhole: (bytes) => bytes.subarray(offset, end) };
}

/** The last `suffix` bytes; offset and length cannot be asked for with it (a `Range` has one form). */
function suffixRange(range: SuffixRange, issues: ValidationIssue[]): ReadRange {
  const { suffix } = range;
  const { offset, length } = range as ByteRange;
  if (offset !== undefined || length !== undefined)
    issues.push({ path: "suffix", message: "cannot be combined with offset or length" });
  wholeBytes("suffix", suffix, 1, issues);
  return { header: `bytes=-${suffix}`, fromWhole: (bytes) => bytes.subarray(Math.max(0, bytes.length - suffix)) };
}

/** The `Range` header for bytes `offset` to `end` (exclusive; Infinity for "to the end of the file"), or
 * none for the whole file. */
function rangeHeader(offset: number, end: number): string | undefined {
  if (end < Infinity) return `bytes=${offset}-${end - 1}`;
  if (offset > 0) return `bytes=${offset}-`;
  return undefined;
}

export async function readFile(
  t: Transport,
  id: string,
  path: string,
  range?: ByteRange | SuffixRange,
  options?: RequestOptions,
): Promise<Uint8Array> {
  const label = "readFile arguments";
  const issues: ValidationIssue[] = [];
  fileIssues("path", path, issues);
  const wanted = readRange(range ?? {}, issues);
  throwIfAny(label, issues);
  const header = wanted.header ? { Range: wanted.header } : {};
  const out = await invoke(t, "readVolumeFile", { path: { id }, query: { path }, header }, options, {
    read: "bytes",
    label,
  });
  const bytes = out.data as unknown as Uint8Array;
  // A 200 is the whole file even though a Range was sent: Porter's API answers a ranged read of an empty
  // file so (no Content-Range), and so does a server that ignores Range. Cut the asked-for part out of it.
  const wholeFileForRange = out.status === 200 && wanted.header !== undefined;
  return wholeFileForRange ? wanted.fromWhole(bytes) : bytes;
}

/** The size of content known before it is sent: bytes and Blobs; undefined for anything else. */
function knownSize(body: unknown): number | undefined {
  if (body instanceof Uint8Array) return body.byteLength;
  if (body instanceof Blob) return body.size;
  return undefined;
}

/** Checks what a write sends: file content, and at most the API's limit per file when its size is known. */
function contentIssues(body: unknown, issues: ValidationIssue[]): void {
  const size = knownSize(body);
  if (size === undefined) {
    // A stream's size is unknown until sent; anything else is not file content.
    if (!(body instanceof ReadableStream))
      issues.push({ path: "data", message: "must be a Uint8Array, a string, a Blob or a ReadableStream" });
    return;
  }
  if (size > DEFAULTS.maxWriteBytes)
    issues.push({
      path: "data",
      message: `must be at most ${DEFAULTS.maxWriteBytes} bytes (1 GiB), the API's limit per file; has ${size}`,
    });
}

/**
 * Writes a file. Porter's API answers with a 307 to where the file is written; the transport sends the
 * method and body there again (redirects.ts), which a `ReadableStream` cannot be: that is refused there.
 */
export async function writeFile(
  t: Transport,
  id: string,
  path: string,
  data: FileData,
  options?: RequestOptions,
): Promise<void> {
  const label = "writeFile arguments";
  const issues: ValidationIssue[] = [];
  fileIssues("path", path, issues);
  const body = typeof data === "string" ? new TextEncoder().encode(data) : data;
  contentIssues(body, issues);
  throwIfAny(label, issues);
  await invoke(t, "writeVolumeFile", { path: { id }, query: { path } }, options, {
    read: "none",
    rawBody: body as BodyInit,
    contentType: "application/octet-stream",
    label,
  });
}

/** The rules of a move the spec cannot state; `from` and `to` have passed the VolumeFilePath rule. */
function moveIssues(from: string, to: string, issues: ValidationIssue[]): void {
  if (bare(from) === "") issues.push({ path: "from", message: "must not be the volume root (it cannot be moved)" });
  if (to.endsWith("/"))
    issues.push({
      path: "to",
      message: 'must be the full new path, not a directory to move into, so must not end with "/"',
    });
  if (issues.length) return;
  if (bare(from) === bare(to))
    issues.push({ path: "to", message: "must differ from `from` (a move never overwrites)" });
  else if (isInside(to, from))
    issues.push({ path: "to", message: "must not be inside `from` (a directory cannot be moved into itself)" });
}

/** Moves a file or a directory with everything under it. `from` is sent without a trailing "/". */
export async function moveFile(
  t: Transport,
  id: string,
  from: string,
  to: string,
  options?: RequestOptions,
): Promise<void> {
  const label = "moveFile arguments";
  const issues: ValidationIssue[] = [];
  check({ $ref: "VolumeFilePath" }, from, "from", issues);
  check({ $ref: "VolumeFilePath" }, to, "to", issues);
  if (!issues.length) moveIssues(from, to, issues);
  throwIfAny(label, issues);
  // Never "": the root was refused above.
  const source = withoutTrailingSlashes(from);
  await invoke(t, "moveVolumeFile", { path: { id }, body: { from: source, to } }, options, {
    read: "none",
    retry: "unstarted",
    label,
  });
}
