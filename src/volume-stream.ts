// Streams a volume file in bounded chunks: one `Range` request per chunk, sent only when the consumer
// asks for the next chunk (a pull-based stream with a high-water mark of 0), so the stream never holds
// more than one chunk whatever the file's size.
import { callerSignals } from "./attempt-signal.js";
import { DEFAULTS } from "./defaults.js";
import { SandboxError, type ValidationIssue } from "./errors.js";
import { invoke } from "./operation.js";
import type { RequestOptions, Transport } from "./transport.js";
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

export function stream(t: Transport, id: string, path: string, opts?: StreamOptions, options?: RequestOptions): VolumeFileStream {
  const label = "stream arguments";
  const issues: ValidationIssue[] = [];
  fileIssues("path", path, issues);
  const chunkBytes = opts?.chunkBytes ?? DEFAULTS.readChunkBytes;
  wholeBytes("chunkBytes", chunkBytes, 1, issues);
  // `end` is exclusive, and lowered to the file's size once the first answer tells it.
  let { offset: next, end } = byteRange(opts ?? {}, issues);
  throwIfAny(label, issues);

  let firstVersion: string | undefined;
  const ctl = new AbortController();
  const forward = () => ctl.abort(options?.signal?.reason);
  // Through the shared fan-out: many streams under one signal keep one listener on it.
  if (options?.signal?.aborted) forward();
  else callerSignals.add(options?.signal, forward);
  const finish = () => callerSignals.delete(options?.signal, forward);

  // Enqueues the next chunk; resolves with whether the stream has ended.
  const read = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<boolean> => {
    let want = Math.min(end, next + chunkBytes);
    let out;
    try {
      const Range = `bytes=${next}-${want - 1}`;
      out = await invoke(t, "readVolumeFile", { path: { id }, query: { path }, header: { Range } }, { ...options, signal: ctl.signal }, { read: "bytes", label });
    } catch (error) {
      // An empty file has no byte 0, so the API answers 416: that is an empty stream, not an error.
      if (next === 0 && error instanceof SandboxError && error.statusCode === 416) return true;
      throw error;
    }
    let bytes = out.data as unknown as Uint8Array;
    if (out.status === 200) {
      // The server ignored `Range` and sent the whole file: hand out all of the asked-for part, in chunks.
      bytes = bytes.subarray(next);
      want = end;
    } else {
      // The file's size, from `Content-Range: bytes first-last/size`.
      const size = /^bytes \d+-\d+\/(\d+)$/.exec(out.headers.get("content-range") ?? "")?.[1];
      // Chunks of two versions of a file must not be spliced together: an atomic replace mid-stream shows
      // as a new Last-Modified or size (Last-Modified has 1 s resolution, so this is best effort).
      const version = `${out.headers.get("last-modified")} ${size}`;
      firstVersion ??= version;
      if (version !== firstVersion) {
        throw new SandboxError(`${path} changed while it was being streamed (at byte ${next}); read it again`, { code: "conflict" });
      }
      if (size !== undefined) end = Math.min(end, Number(size));
    }
    if (bytes.length < want - next) end = next + bytes.length; // a short read ends the file
    bytes = bytes.subarray(0, want - next);
    for (let i = 0; i < bytes.length; i += chunkBytes) controller.enqueue(bytes.subarray(i, i + chunkBytes));
    next += bytes.length;
    return next >= end;
  };

  // A high-water mark of 0: nothing is fetched before the consumer asks (see the top of this file).
  const fileStream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let ended = true; // an error ends the stream too
      try {
        ended = await read(controller);
      } finally {
        if (ended) finish();
      }
      if (ended) controller.close();
    },
    cancel(reason) {
      ctl.abort(reason);
      finish();
    },
  }, { highWaterMark: 0 });
  // Node, Deno, Bun, Firefox and Chrome iterate web streams natively; older Safari does not.
  if (!(Symbol.asyncIterator in fileStream)) Object.defineProperty(fileStream, Symbol.asyncIterator, { value: iterate, configurable: true });
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
