// A request body that is a stream, held so that it can be cancelled. Once `fetch` has the stream, it is
// locked and nobody else can cancel it, and a fetch that is aborted does not always cancel the body it was
// reading: the source went on being pulled (an endless one, for ever). So `fetch` is given a stream that
// pulls from the caller's through a reader the SDK keeps; when the call fails (aborted, timed out, the client
// closed), the SDK cancels the caller's stream through that reader, which calls its `cancel()`.

export class CancellableBody {
  /** What `fetch` sends: every chunk of the caller's stream, pulled only as fetch asks for it. */
  readonly stream: ReadableStream<Uint8Array>;
  readonly #source: ReadableStreamDefaultReader<Uint8Array>;
  #finished = false;

  constructor(source: ReadableStream<Uint8Array>) {
    this.#source = source.getReader();
    this.stream = new ReadableStream<Uint8Array>({
      pull: (controller) => this.#pull(controller),
      cancel: (reason) => this.cancel(reason),
    });
  }

  /** Stops the caller's stream, unless it has been read to its end; safe to call more than once. */
  cancel(reason: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    // The source may reject its own cancel; the call is failing for another reason already.
    this.#source.cancel(reason).catch(() => undefined);
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const { done, value } = await this.#source.read();
    if (!done) return controller.enqueue(value);
    this.#finished = true;
    controller.close();
  }
}
