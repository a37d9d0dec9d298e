// The AbortSignal of one attempt: it fires on the caller's signal, on `close()`, or when the attempt's
// time budget runs out, and remembers which, because the error to raise differs for each. The same
// three end a retry's backoff wait.
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

/**
 * Calls `wake` when the caller's signal aborts, the client closes (`closing` aborts) or `ms` pass,
 * whichever comes first (it may be called again by a later one). Returns what cancels all three, so
 * that nothing long-lived keeps a finished attempt or wait.
 */
function whicheverFirst(
  ms: number,
  caller: AbortSignal | undefined,
  closing: AbortSignal | undefined,
  wake: () => void,
): () => void {
  // No timer for an infinite budget (a delay past 2^31-1 ms would fire at once); a spent one (zero or
  // less) fires at once, as timers treat any delay below zero. A signal that has already fired sends no
  // abort event any more: then the wait ends at once too.
  const alreadyStopped = caller?.aborted === true || closing?.aborted === true;
  const delay = alreadyStopped ? 0 : ms;
  const timer = Number.isFinite(delay) ? setTimeout(wake, delay) : undefined;
  callerSignals.add(caller, wake);
  callerSignals.add(closing, wake);
  return () => {
    clearTimeout(timer);
    callerSignals.delete(caller, wake);
    callerSignals.delete(closing, wake);
  };
}

export class AttemptSignal {
  readonly #controller = new AbortController();
  readonly signal = this.#controller.signal;
  /** Which fired first. Each source wakes us synchronously as it fires, and the transport checks both
   * signals before each attempt, so the one already aborted at that moment is the one that fired. */
  reason: AbortReason | undefined;
  /** Stops the timer and unsubscribes. */
  readonly dispose: () => void;

  constructor(budgetMs: number, caller: AbortSignal | undefined, closing: AbortSignal) {
    this.dispose = whicheverFirst(budgetMs, caller, closing, () => {
      this.reason ??= firedFirst(closing, caller);
      this.#controller.abort();
    });
  }
}

/** Which source woke an attempt: the signal already aborted when it woke, else the attempt's own timer. */
function firedFirst(closing: AbortSignal, caller: AbortSignal | undefined): AbortReason {
  if (closing.aborted) return "close";
  if (caller?.aborted) return "abort";
  return "timeout";
}

/** Waits `ms`, ending early (without throwing) when the caller's signal aborts or the client closes;
 * the attempt loop then reports why. */
export function sleep(ms: number, caller: AbortSignal | undefined, closing?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    // `wake` is only ever called by a timer or an abort event, never during `whicheverFirst` itself, so
    // `stop` is assigned by the time it runs.
    const stop = whicheverFirst(ms, caller, closing, () => {
      stop();
      resolve();
    });
  });
}
