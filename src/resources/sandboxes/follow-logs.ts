// `sandbox.followLogs()`: a sandbox's log lines as they come. The API has no log stream, so this polls
// GET /v1/sandbox/{id}/logs, and keeps of each page only the lines it has not yielded yet.
import { DEFAULTS } from "../../core/defaults.js";
import { abortedBy, RateLimitError } from "../../core/errors.js";
import type { LogLine } from "../../core/types.js";
import type { Transport } from "../../internal/transport.js";
import { PollPace } from "../../internal/wait.js";

/**
 * Options of `sandbox.followLogs()`.
 *
 * @example
 * ```ts
 * const options: FollowLogsOptions = { since: "5m", pollIntervalMs: 2_000, signal: AbortSignal.timeout(600_000) };
 * ```
 */
export interface FollowLogsOptions {
  /** Where to start, as `logs({ since })` takes it: a Go duration back from now (`"5m"`), or on the local
   * server an RFC 3339 timestamp. Default: the server's default window (the local server's: everything). */
  since?: string | undefined;
  /** Lines each poll asks for; when more match, the API answers the most recent ones. Default 5 000, the
   * API's most. */
  limit?: number | undefined;
  /** First interval between polls in ms, at least 250; grows by half while no new line comes, up to 2 000
   * (or this, if more), and comes back to this when lines do. Default 1 000. */
  pollIntervalMs?: number | undefined;
  /** Stop following: the iteration throws `RequestAbortedError`. */
  signal?: AbortSignal | undefined;
}

/** One poll: the sandbox's status (whether it has ended), read before its log lines. */
export type LogPoll = (
  query: { since?: string | undefined; limit: number },
  signal: AbortSignal | undefined,
) => Promise<{ ended: boolean; lines: LogLine[] }>;

/** Polls `poll` and yields each line once, oldest first, until a poll finds the sandbox ended. */
export async function* followLogs(
  what: string,
  transport: Transport,
  options: FollowLogsOptions,
  poll: LogPoll,
): AsyncGenerator<LogLine, void, undefined> {
  const { signal } = options;
  const limit = options.limit ?? DEFAULTS.followLogsLimit;
  const pace = new PollPace(options.pollIntervalMs ?? DEFAULTS.followLogsPollIntervalMs, transport);
  const cursor = new LogCursor(options.since);
  for (;;) {
    if (signal?.aborted) throw abortedBy(what, signal);
    let page: Awaited<ReturnType<LogPoll>>;
    try {
      page = await poll({ since: cursor.since(), limit }, signal);
    } catch (error) {
      // A 429 is no reason to stop following: the next poll waits at least what the server asked.
      if (!(error instanceof RateLimitError)) throw error;
      await transport.pause(pace.next(error), signal);
      continue;
    }
    const fresh = cursor.unseen(page.lines);
    yield* fresh;
    // The status was read before the lines: once it says ended, these were the last ones.
    if (page.ended) return;
    if (fresh.length > 0) pace.reset();
    // Ends early on the signal (the loop then throws) and on `close()` (the next poll throws).
    await transport.pause(pace.next(), signal);
  }
}

/**
 * Which lines of a page are new. Lines are ordered by time, and lines can share a timestamp (a burst
 * of output), so the cursor is the newest timestamp yielded and how many lines with it were yielded:
 * of the lines at that timestamp, only those past that many are new (the API answers lines with equal
 * timestamps in the same order each time). It holds those two values, never the lines.
 */
class LogCursor {
  readonly #firstSince: string | undefined;
  #newest = "";
  #newestMs = 0;
  #atNewest = 0;

  constructor(firstSince: string | undefined) {
    this.#firstSince = firstSince;
  }

  /** The next poll's `since`: the caller's until a line has come; then a Go duration back to a little
   * before the newest line (the API takes no timestamp), which the overlap keeps clear of clock skew. */
  since(): string | undefined {
    if (this.#newest === "") return this.#firstSince;
    const backMs = Date.now() - this.#newestMs + DEFAULTS.followLogsOverlapMs;
    return `${Math.max(1, Math.ceil(backMs / 1000))}s`;
  }

  /** The lines of `page` not yielded yet, oldest first (the API does not promise an order). */
  unseen(page: LogLine[]): LogLine[] {
    const timed = page.map((line) => ({ line, at: timeKey(line.timestamp) }));
    // A page answered newest first is turned around, so that lines with equal timestamps come in the
    // order they were written; the sort then keeps that order (it is stable) and mends any other.
    const newestFirst = timed.length > 1 && timed[0]!.at > timed.at(-1)!.at;
    if (newestFirst) timed.reverse();
    timed.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    let alreadyYielded = this.#atNewest;
    const fresh: LogLine[] = [];
    for (const { line, at } of timed) {
      if (at < this.#newest) continue;
      if (at === this.#newest && alreadyYielded > 0) {
        alreadyYielded--;
        continue;
      }
      if (at > this.#newest) {
        [this.#newest, this.#newestMs, this.#atNewest, alreadyYielded] = [at, Date.parse(line.timestamp), 0, 0];
      }
      this.#atNewest++;
      fresh.push(line);
    }
    return fresh;
  }
}

/** A timestamp as text that sorts in time order: UTC to the millisecond, then the digits of the fraction
 * past it (RFC 3339 allows nanoseconds, which `Date` drops). An unreadable one sorts first. */
function timeKey(timestamp: string): string {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return "";
  const fraction = /\.(\d+)/.exec(timestamp)?.[1] ?? "";
  return new Date(ms).toISOString().slice(0, 23) + fraction.slice(3, 9).padEnd(6, "0");
}
