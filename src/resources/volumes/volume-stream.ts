// Streams a volume file in bounded chunks: one `Range` request per chunk, sent only when the consumer
// asks for the next chunk (a pull-based stream with a high-water mark of 0), so the stream never holds
// more than one chunk whatever the file's size.
import { callerSignals } from "../../internal/attempt-signal.js";
import { DEFAULTS } from "../../core/defaults.js";
import { SandboxError, type ValidationIssue } from "../../core/errors.js";
import { invoke } from "../../internal/operation.js";
import type { Transport } from "../../internal/transport.js";
import type { RequestOptions } from "../../core/options.js";
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

/** Where a stream is in its file, and what it has learned of the file so far. */
interface Position {
  /** The next byte to ask for. */
  next: number;
  /** Where the stream ends (exclusive): the range's end, lowered to the file's size once an answer tells it. */
  end: number;
  /** The Last-Modified and size of the first answer, which every later answer must match. */
  version: string | undefined;
}

/** What every request of one stream shares. */
interface Source {
  transport: Transport;
  volumeId: string;
  path: string;
  chunkBytes: number;
  options: RequestOptions;
}

export function stream(
  t: Transport,
  id: string,
  path: string,
  opts?: StreamOptions,
  options?: RequestOptions,
): VolumeFileStream {
  const label = "stream arguments";
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
  throwIfAny(label, issues);

  const ctl = new AbortController();
  const forward = () => ctl.abort(options?.signal?.reason);
  // Through the shared fan-out: many streams under one signal keep one listener on it.
  if (options?.signal?.aborted) forward();
  else callerSignals.add(options?.signal, forward);
  const finish = () => callerSignals.delete(options?.signal, forward);
  const source: Source = { transport: t, volumeId: id, path, chunkBytes, options: { ...options, signal: ctl.signal } };
  const position: Position = { next: offset, end, version: undefined };

  // A high-water mark of 0: nothing is fetched before the consumer asks (see the top of this file).
  const fileStream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let ended = true; // an error ends the stream too
        try {
          ended = await readChunk(source, position, controller);
        } finally {
          if (ended) finish();
        }
        if (ended) controller.close();
      },
      cancel(reason) {
        ctl.abort(reason);
        finish();
      },
    },
    { highWaterMark: 0 },
  );
  // Node, Deno, Bun, Firefox and Chrome iterate web streams natively; older Safari does not.
  if (!(Symbol.asyncIterator in fileStream))
    Object.defineProperty(fileStream, Symbol.asyncIterator, { value: iterate, configurable: true });
  return fileStream as VolumeFileStream;
}

/** Asks for the next chunk and enqueues what came back; resolves with whether the stream has ended. */
async function readChunk(
  source: Source,
  at: Position,
  controller: ReadableStreamDefaultController<Uint8Array>,
): Promise<boolean> {
  const want = Math.min(at.end, at.next + source.chunkBytes);
  let out;
  try {
    const Range = `bytes=${at.next}-${want - 1}`;
    out = await invoke(
      source.transport,
      "readVolumeFile",
      { path: { id: source.volumeId }, query: { path: source.path }, header: { Range } },
      source.options,
      { read: "bytes", label: "stream arguments" },
    );
  } catch (error) {
    // A server that answers 416 for byte 0 of an empty file (an empty file has no byte 0): an empty stream.
    if (at.next === 0 && error instanceof SandboxError && error.statusCode === 416) return true;
    throw error;
  }
  const body = out.data as unknown as Uint8Array;
  // A 200 is the whole file: Porter's API answers a ranged read of an empty file so (no Content-Range),
  // and so does a server that ignores Range. A 206 tells the size in `Content-Range: bytes a-b/size`.
  const whole = out.status === 200;
  const size = whole ? body.length : sizeFromContentRange(out.headers);
  checkSameVersion(source.path, at, `${out.headers.get("last-modified")} ${size}`);
  if (size !== undefined) at.end = Math.min(at.end, size);
  const bytes = whole ? body.subarray(at.next, at.end) : body.subarray(0, want - at.next);
  if (!whole && bytes.length < want - at.next) at.end = at.next + bytes.length; // a short read ends the file
  for (let i = 0; i < bytes.length; i += source.chunkBytes)
    controller.enqueue(bytes.subarray(i, i + source.chunkBytes));
  at.next += bytes.length;
  return at.next >= at.end;
}

function sizeFromContentRange(headers: Headers): number | undefined {
  const size = /^bytes \d+-\d+\/(\d+)$/.exec(headers.get("content-range") ?? "")?.[1];
  return size === undefined ? undefined : Number(size);
}

/** Chunks of two versions of a file must not be spliced together: an atomic replace mid-stream shows as a
 * new Last-Modified or size (Last-Modified has 1 s resolution, so this is best effort). */
function checkSameVersion(path: string, at: Position, version: string): void {
  at.version ??= version;
  if (version !== at.version) {
    throw new SandboxError(`${path} changed while it was being streamed (at byte ${at.next}); read it again`, {
      code: "conflict",
    });
  }
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
