// A sandbox's log book: the lines its processes wrote, oldest first, kept after it ends.
import type { components } from "../../generated/schema.js";
import { badRequest } from "./http.js";

export type LogLine = components["schemas"]["LogLine"];
type Level = LogLine["level"];

/** Lines returned when `limit` is 0 or absent, and the most ever returned. */
export const DEFAULT_LOG_LIMIT = 1000;
export const MAX_LOG_LIMIT = 5000;
// Older lines are dropped past this many, so a chatty process cannot exhaust memory.
const KEPT_LINES = 50_000;

export class LogBook {
  readonly #lines: (LogLine & { at: number })[] = [];

  add(line: string, level: Level, execId: string): void {
    const at = Date.now();
    this.#lines.push({ timestamp: new Date(at).toISOString(), line, level, exec_id: execId, at });
    if (this.#lines.length > KEPT_LINES) this.#lines.splice(0, this.#lines.length - KEPT_LINES);
  }

  /** A writer that splits a stream's chunks into lines; call `end()` to flush an unterminated last line. */
  writer(level: Level, execId: string): { write(chunk: Buffer): void; end(): void } {
    let partial = "";
    const decoder = new TextDecoder();
    const emit = (text: string) => this.add(text.endsWith("\r") ? text.slice(0, -1) : text, level, execId);
    return {
      write: (chunk) => {
        const parts = (partial + decoder.decode(chunk, { stream: true })).split("\n");
        partial = parts.pop()!;
        parts.forEach(emit);
      },
      end: () => {
        const rest = partial + decoder.decode();
        partial = "";
        if (rest) emit(rest);
      },
    };
  }

  /** Lines at or after `sinceMs`; when more than `limit` match, the most recent `limit` of them. */
  read(sinceMs: number | undefined, limit: number): LogLine[] {
    const matching = sinceMs === undefined ? this.#lines : this.#lines.filter((l) => l.at >= sinceMs);
    const n = Math.min(limit || DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT);
    return matching.slice(-n).map(({ at: _at, ...line }) => line);
  }
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** `since` as an epoch ms: a Go-style duration back from now (`90s`, `1h30m`) or an RFC 3339 timestamp.
 * The spec leaves its form unchecked (Porter states none), so the server refuses what it cannot read. */
export function parseSince(since: string | undefined, now = Date.now()): number | undefined {
  if (since === undefined) return undefined;
  if (/^\d{4}-/.test(since)) {
    const at = Date.parse(since);
    if (Number.isNaN(at)) throw badRequest(`invalid request: since: ${JSON.stringify(since)} is not a valid timestamp`);
    return at;
  }
  if (!DURATION.test(since))
    throw badRequest(`invalid request: since: must be a duration such as "1h" or "90s", or an RFC 3339 timestamp`);
  let ms = 0;
  for (const [, amount, unit] of since.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    ms += Number(amount) * UNIT_MS[unit!]!;
  return now - ms;
}
