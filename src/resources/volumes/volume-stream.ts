// Streams a volume file in bounded chunks: one `Range` request per chunk, sent only when the consumer
// asks for the next chunk (a pull-based stream with a high-water mark of 0), so the stream never holds
// more than one chunk whatever the file's size.
//
// Chunks of two versions of a file must never be joined: the first answer's validators pin the version
// the stream reads (see `FileVersion`), and every later answer must show the same.
import { callerSignals } from "../../internal/attempt-signal.js";
import { DEFAULTS } from "../../core/defaults.js";
import { SandboxError, type ValidationIssue } from "../../core/errors.js";
import { invoke } from "../../internal/operation.js";
import type { Transport } from "../../internal/transport.js";
import type { RequestOptions } from "../../core/options.js";
import type { Outcome } from "../../core/response-info.js";
import { byteRange, fileIssues, throwIfAny, wholeBytes, type ByteRange } from "./volume-files.js";

/**
 * Options of `volume.stream`: the byte range to stream, and the size of each ranged request.
 *
 * @example
 * ```ts
 * const tail = volume.stream("logs/run.log", { offset: 10 * 1024 * 1024, chunkBytes: 1024 * 1024 });
 * ```
 */
export interface StreamOptions extends ByteRange {
  /** Bytes asked for per request, and the largest chunk the stream yields. Default 4 MiB. */
  chunkBytes?: number | undefined;
}

/**
 * A web `ReadableStream` of the file's bytes that is also async-iterable in every runtime. Cancelling it,
 * or leaving a `for await` loop early, aborts the request in flight.
 *
 * @example
 * ```ts
 * let bytes = 0;
 * for await (const chunk of volume.stream("datasets/train-000.parquet")) bytes += chunk.byteLength;
 *
 * // Or hand it to anything that takes a web stream:
 * const response = new Response(volume.stream("results/report.html"), { headers: { "content-type": "text/html" } });
 * ```
 */
export type VolumeFileStream = ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>;

/** What names the arguments of `stream` in its validation errors (its requests are checked too). */
const LABEL = "stream arguments";

export function stream(
  t: Transport,
  id: string,
  path: string,
  opts?: StreamOptions,
  options?: RequestOptions,
): VolumeFileStream {
  const { offset, end, chunkBytes } = streamArguments(path, opts);
  const reader = new RangeReader({ transport: t, volumeId: id, path, chunkBytes }, { offset, end }, options);
  // A high-water mark of 0: nothing is fetched before the consumer asks (see the top of this file).
  const fileStream = new ReadableStream<Uint8Array>(
    { pull: (controller) => reader.pull(controller), cancel: (reason) => reader.cancel(reason) },
    { highWaterMark: 0 },
  );
  return asyncIterable(fileStream);
}

/** Checks the arguments of `stream` before anything is sent: the file, the chunk size and the range. */
function streamArguments(path: string, opts: StreamOptions | undefined): ChunkRange & { chunkBytes: number } {
  const issues: ValidationIssue[] = [];
  fileIssues("path", path, issues);
  const chunkBytes = opts?.chunkBytes ?? DEFAULTS.readChunkBytes;
  wholeBytes("chunkBytes", chunkBytes, 1, issues);
  // A suffix needs the file's size before the first chunk can be asked for: readFile reads one.
  if (opts && "suffix" in opts)
    issues.push({
      path: "suffix",
      message: "is not supported by stream, which reads forward from offset; use readFile(path, { suffix })",
    });
  const { offset, end } = byteRange(opts ?? {}, issues);
  throwIfAny(LABEL, issues);
  return { offset, end, chunkBytes };
}

/** Bytes of the file from `offset` up to `end` (exclusive; Infinity for "to the end of the file"). */
interface ChunkRange {
  offset: number;
  end: number;
}

/** What every request of one stream shares. */
interface Source {
  transport: Transport;
  volumeId: string;
  path: string;
  /** Bytes asked for per request, and the largest chunk the stream yields. */
  chunkBytes: number;
}

/**
 * The stream's source: where it is in the file, what it has learned of the file so far, and the abort
 * controller of its requests. Each `pull` sends one `Range` request for the next chunk.
 */
class RangeReader {
  readonly #source: Source;
  /** The caller's options with the reader's own signal, which aborts on cancel and on the caller's signal. */
  readonly #requestOptions: RequestOptions;
  /** The next byte to ask for. */
  #next: number;
  /** Where the stream ends (exclusive): the range's end, lowered to the file's size once an answer tells it. */
  #end: number;
  /** The version of the file the first answer showed, which every later answer must show too. */
  #version: FileVersion | undefined;
  /** Aborts the request in flight: fired by `cancel`, and by the caller's signal through `#forwardAbort`. */
  readonly #abort = new AbortController();
  readonly #callerSignal: AbortSignal | undefined;
  /** One function for the lifetime of the reader, so that `#close` removes exactly what was added. */
  readonly #forwardAbort = () => this.#abort.abort(this.#callerSignal?.reason);

  constructor(source: Source, range: ChunkRange, options: RequestOptions | undefined) {
    this.#source = source;
    this.#next = range.offset;
    this.#end = range.end;
    this.#callerSignal = options?.signal;
    this.#requestOptions = { ...options, signal: this.#abort.signal };
    // Through the shared fan-out: many streams under one signal keep one listener on it.
    if (this.#callerSignal?.aborted) this.#forwardAbort();
    else callerSignals.add(this.#callerSignal, this.#forwardAbort);
  }

  /** Enqueues the next chunk, and closes the stream once the range (or the file) is read. */
  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    let ended = true; // an error ends the stream too
    try {
      ended = await this.#readChunk(controller);
    } finally {
      if (ended) this.#close();
    }
    if (ended) controller.close();
  }

  /** The consumer cancelled the stream (or left a `for await` loop early): abort the request in flight. */
  cancel(reason: unknown): void {
    this.#abort.abort(reason);
    this.#close();
  }

  /** The bytes the next request asks for: from where the stream is, at most `chunkBytes`, not past its end. */
  #nextRange(): ChunkRange {
    return { offset: this.#next, end: Math.min(this.#end, this.#next + this.#source.chunkBytes) };
  }

  /** Asks for the next chunk and enqueues what came back; resolves with whether the stream has ended. */
  async #readChunk(controller: ReadableStreamDefaultController<Uint8Array>): Promise<boolean> {
    const range = this.#nextRange();
    const answer = await this.#request(range);
    if (answer === undefined) return true; // an empty file
    const bytes = this.#bytesOf(answer, range);
    // A 200's part may be longer than one chunk: it is handed out in chunks of at most `chunkBytes`.
    for (let i = 0; i < bytes.length; i += this.#source.chunkBytes)
      controller.enqueue(bytes.subarray(i, i + this.#source.chunkBytes));
    this.#next += bytes.length;
    return this.#next >= this.#end;
  }

  /**
   * Sends the `Range` request for `range`, with `If-Match` once the first answer gave a strong ETag;
   * resolves with undefined for an empty file answered with 416.
   */
  async #request(range: ChunkRange): Promise<Outcome | undefined> {
    const { transport, volumeId, path } = this.#source;
    const Range = `bytes=${range.offset}-${range.end - 1}`;
    const ifMatch = this.#version?.ifMatch;
    const header = ifMatch === undefined ? { Range } : { Range, "If-Match": ifMatch };
    try {
      return await invoke(
        transport,
        "readVolumeFile",
        { path: { id: volumeId }, query: { path }, header },
        this.#requestOptions,
        { read: "bytes", label: LABEL },
      );
    } catch (error) {
      if (!(error instanceof SandboxError)) throw error;
      // A server that answers 416 for byte 0 of an empty file (an empty file has no byte 0): an empty stream.
      const emptyFile = range.offset === 0 && error.statusCode === 416;
      if (emptyFile) return undefined;
      // The file no longer has the tag the stream started on.
      const changed = ifMatch !== undefined && error.statusCode === 412;
      if (changed) throw this.#changed(error);
      throw error;
    }
  }

  /**
   * The bytes of `range` in an answer, after checking the file did not change and learning from the
   * answer where the file ends (which lowers the stream's end).
   */
  #bytesOf(answer: Outcome, range: ChunkRange): Uint8Array {
    const body = answer.data as Uint8Array;
    // A 200 is the whole file: Porter's API answers a ranged read of an empty file so (no Content-Range),
    // and so does a server that ignores Range. A 206 tells the size in `Content-Range: bytes a-b/size`.
    const whole = answer.status === 200;
    const size = whole ? body.length : sizeFromContentRange(answer.headers);
    this.#checkUnchanged(versionOf(answer.headers, size));
    if (size !== undefined) this.#end = Math.min(this.#end, size);
    if (whole) return body.subarray(range.offset, this.#end);
    const asked = range.end - range.offset;
    const bytes = body.subarray(0, asked);
    // A short read ends the file.
    if (bytes.length < asked) this.#end = range.offset + bytes.length;
    return bytes;
  }

  /** Throws unless an answer shows the version of the file the first answer showed. Also checked when
   * `If-Match` was sent: a server may ignore it. */
  #checkUnchanged(version: FileVersion): void {
    this.#version ??= version;
    if (version.validators !== this.#version.validators) throw this.#changed();
  }

  /** The error of a file replaced or changed while it was streamed; `cause` is the server's 412, if any. */
  #changed(cause?: SandboxError): SandboxError {
    const { path } = this.#source;
    const message = `${path} changed while it was being streamed (at byte ${this.#next}); read it again`;
    return new SandboxError(message, cause === undefined ? { code: "conflict" } : { code: "conflict", cause });
  }

  /** Stops following the caller's signal: the stream has ended, errored or been cancelled. */
  #close(): void {
    callerSignals.delete(this.#callerSignal, this.#forwardAbort);
  }
}

/**
 * Which version of the file an answer shows, by the strongest validator the server gave:
 * - a strong ETag names the exact bytes (RFC 9110 §8.8.1), so it alone is compared, and every later
 *   request sends it in `If-Match`. If-Match rather than If-Range: a server answers a changed file with
 *   a bodiless 412 to If-Match, but with the whole new file (a 200) to If-Range, which the transport would
 *   read in full (up to 1 GiB) before the stream could see its status and throw it away; and "fail if
 *   the file changed" is what If-Match says.
 * - a weak ETag (`W/"…"`) is never sent: If-Match compares strongly (RFC 9110 §13.1.1), so it would never
 *   match. Nor is a tag that is not a quoted one (it would break the spec's rule for If-Match). Either is
 *   compared along with Last-Modified and the size: a tag that changed still shows a new version.
 * - with no ETag, Last-Modified and the size. Last-Modified counts whole seconds, so a replacement of the
 *   same size within the second of the first answer's Last-Modified cannot be seen (the README says so).
 */
interface FileVersion {
  /** What every answer must show: the strong ETag alone, or any ETag with Last-Modified and the size. */
  validators: string;
  /** The strong ETag to send in `If-Match`, when the answer carried one. */
  ifMatch: string | undefined;
}

/** A strong entity tag as RFC 9110 §8.8.3 writes it (visible ASCII between double quotes, no `W/`). */
const STRONG_ETAG = /^"[\x21\x23-\x7E]*"$/;

/** The version of the file an answer shows (see `FileVersion`); `size` is the file's, when it told it. */
function versionOf(headers: Headers, size: number | undefined): FileVersion {
  const etag = headers.get("etag");
  if (etag !== null && STRONG_ETAG.test(etag)) return { validators: `etag ${etag}`, ifMatch: etag };
  return { validators: `${etag ?? ""} ${headers.get("last-modified")} ${size}`, ifMatch: undefined };
}

/** The size of the file, from a 206's `Content-Range: bytes first-last/size` (undefined when not given). */
function sizeFromContentRange(headers: Headers): number | undefined {
  const size = /^bytes \d+-\d+\/(\d+)$/.exec(headers.get("content-range") ?? "")?.[1];
  return size === undefined ? undefined : Number(size);
}

/** The stream itself, async-iterable: Node, Deno, Bun, Firefox and Chrome iterate web streams natively;
 * older Safari does not, and gets the fallback below. */
function asyncIterable(fileStream: ReadableStream<Uint8Array>): VolumeFileStream {
  if (!(Symbol.asyncIterator in fileStream))
    Object.defineProperty(fileStream, Symbol.asyncIterator, { value: iterate, configurable: true });
  return fileStream as VolumeFileStream;
}

/** The stream's `[Symbol.asyncIterator]` where the runtime has none: called on the stream, as `this`. */
async function* iterate(this: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = this.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Leaving the loop early (break, return, a throw in its body) cancels the stream, as native iteration
    // does. Once the stream has closed, cancelling does nothing; once it has errored, it rejects with the
    // error already being thrown, which is why that rejection is dropped.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
