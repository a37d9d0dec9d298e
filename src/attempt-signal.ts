// The AbortSignal of one attempt: it fires on the caller's signal, on `close()`, or when the attempt's
// time budget runs out, and remembers which, because the error to raise differs for each.
export type AbortReason = "timeout" | "abort" | "close";

/**
 * Subscriptions to abort signals, one real listener per signal however many calls share it: a batch of
 * calls under one AbortController, or the client's close, would otherwise add a listener per call, and
 * every add and remove on an EventTarget walks all its listeners (Node also warns past ten).
 */
export class AbortFanout {
  readonly #subscribers = new WeakMap<AbortSignal, Set<() => void>>();

  add(signal: AbortSignal | undefined, onAbort: () => void): void {
    if (!signal) return;
    let subscribers = this.#subscribers.get(signal);
    if (!subscribers) {
      const created = new Set<() => void>();
      subscribers = created;
      this.#subscribers.set(signal, created);
      signal.addEventListener("abort", () => created.forEach((fn) => fn()), { once: true });
    }
    subscribers.add(onAbort);
  }

  delete(signal: AbortSignal | undefined, onAbort: () => void): void {
    if (signal) this.#subscribers.get(signal)?.delete(onAbort);
  }
}

/** One fan-out for every client, wait and stream in the process: a signal shared by many calls keeps one listener. */
export const callerSignals = new AbortFanout();

export interface Cancellers {
  /** The caller's signals. */
  fanout: AbortFanout;
  /** Called by the client's `close()`. */
  onClose: Set<() => void>;
}

export class AttemptSignal {
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #cancellers: Cancellers;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  reason: AbortReason | undefined;

  constructor(budgetMs: number, caller: AbortSignal | undefined, cancellers: Cancellers) {
    this.#caller = caller;
    this.#cancellers = cancellers;
    cancellers.fanout.add(caller, this.#onCaller);
    cancellers.onClose.add(this.#onClose);
    this.#timer = Number.isFinite(budgetMs) ? setTimeout(() => this.#abort("timeout"), Math.max(0, budgetMs)) : undefined;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  #abort(reason: AbortReason): void {
    this.reason ??= reason;
    this.#controller.abort();
  }

  #onCaller = () => this.#abort("abort");
  #onClose = () => this.#abort("close");

  /** Stops the timer and unsubscribes, so nothing long-lived keeps a finished attempt. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#cancellers.fanout.delete(this.#caller, this.#onCaller);
    this.#cancellers.onClose.delete(this.#onClose);
  }
}

/** Waits `ms`, ending early (without throwing) when the caller's signal aborts or the client closes;
 * the attempt loop then reports why. */
export function sleep(ms: number, caller: AbortSignal | undefined, cancellers: Cancellers): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      cancellers.fanout.delete(caller, done);
      cancellers.onClose.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    cancellers.fanout.add(caller, done);
    cancellers.onClose.add(done);
  });
}
