// The AbortSignal of one attempt: it fires on the caller's signal, on `close()`, or when the attempt's
// time budget runs out, and remembers which, because the error to raise differs for each.
export type AbortReason = "timeout" | "abort" | "close";

export class AttemptSignal {
  readonly #controller = new AbortController();
  readonly #parents: (AbortSignal | undefined)[];
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  reason: AbortReason | undefined;

  constructor(budgetMs: number, caller: AbortSignal | undefined, closing: AbortSignal) {
    this.#parents = [caller, closing];
    caller?.addEventListener("abort", this.#onCaller);
    closing.addEventListener("abort", this.#onClose);
    this.#timer = Number.isFinite(budgetMs) ? setTimeout(() => this.#fire("timeout"), Math.max(0, budgetMs)) : undefined;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  #fire(reason: AbortReason): void {
    this.reason ??= reason;
    this.#controller.abort();
  }

  #onCaller = () => this.#fire("abort");
  #onClose = () => this.#fire("close");

  /** Stops the timer and detaches from the parents, so a long-lived signal collects no listeners. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#parents[0]?.removeEventListener("abort", this.#onCaller);
    this.#parents[1]?.removeEventListener("abort", this.#onClose);
  }
}

/** Waits `ms`, ending early (without throwing) when any signal aborts; the caller then reports why. */
export function sleep(ms: number, signals: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s?.addEventListener("abort", done, { once: true });
  });
}
