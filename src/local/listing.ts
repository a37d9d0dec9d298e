// Listing and counting sandboxes: the shared filters, real pagination, filter values and time buckets.
import type { components } from "../../generated/schema.js";
import type { Handler } from "./handler.js";
import { statusRecord } from "./records.js";
import { timeParam as time } from "./times.js";
import { LIVE_PHASES, type Phase, type SandboxState, type Store } from "./store.js";

const ALL_PHASES: readonly Phase[] = ["queued", "creating", "running", "succeeded", "failed", "terminated"];

/** A `key=value` tag filter as its key and value (the value may itself hold "="). */
function splitTag(tag: string): readonly [string, string] {
  const at = tag.indexOf("=");
  return [tag.slice(0, at), tag.slice(at + 1)];
}

/** Sandboxes matching every filter, newest first. Without `phase`, `defaultPhases` apply. */
function matching(store: Store, query: Record<string, unknown>, defaultPhases: readonly Phase[]): SandboxState[] {
  const tags = ((query.tag as string[] | undefined) ?? []).map(splitTag);
  const phases = (query.phase as Phase[] | undefined) ?? defaultPhases;
  const image = query.image as string | undefined;
  const prefix = query.search as string | undefined;
  const from = time(query, "start_time");
  const to = time(query, "end_time");
  // Each filter holds when it was not given, or when the sandbox meets it.
  const matches = (s: SandboxState): boolean => {
    const phaseOk = phases.includes(s.phase);
    const tagsOk = tags.every(([k, v]) => s.spec.tags?.[k] === v);
    const imageOk = image === undefined || s.image === image;
    const nameOk = prefix === undefined || s.name.startsWith(prefix);
    const fromOk = from === undefined || s.createdAt >= from;
    const toOk = to === undefined || s.createdAt < to;
    return phaseOk && tagsOk && imageOk && nameOk && fromOk && toOk;
  };
  return [...store.sandboxes.values()].filter(matches).sort((a, b) => b.seq - a.seq);
}

// The values to build filters from, as Porter's API gives them: every phase the API supports, and the
// distinct images and `key=value` tags of the sandboxes this server knows (of any phase; locally the
// server is the whole cluster), each sorted.
function filterValues(store: Store): components["schemas"]["FilterValues"] {
  const all = [...store.sandboxes.values()];
  const tags = all.flatMap((s) => Object.entries(s.spec.tags ?? {}).map(([k, v]) => `${k}=${v}`));
  return {
    phases: [...ALL_PHASES],
    images: [...new Set(all.map((s) => s.image))].sort(),
    tags: [...new Set(tags)].sort(),
  };
}

export const listSandboxes: Handler = ({ store, input }) => {
  const all = matching(store, input.query, LIVE_PHASES);
  const size = store.options.pageSize;
  const page = (input.query.page as number | undefined) ?? 1;
  const totalPages = Math.ceil(all.length / size);
  return {
    status: 200,
    json: {
      sandboxes: all.slice((page - 1) * size, page * size).map(statusRecord),
      pagination: { current_page: page, total_pages: totalPages, has_next_page: page < totalPages },
      ...(input.query.include_filter_values === true ? { filter_values: filterValues(store) } : {}),
    },
  };
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MAX_BUCKETS = 1000;

// The bucket width: a minute for windows up to two hours, an hour up to four days, else whole days,
// widened so that no answer holds more than MAX_BUCKETS points.
function granularity(windowMs: number): number {
  if (windowMs <= 2 * HOUR) return MINUTE;
  if (windowMs <= 4 * DAY) return HOUR;
  return Math.max(1, Math.ceil(windowMs / DAY / MAX_BUCKETS)) * DAY;
}

export const countSandboxes: Handler = ({ store, input }) => {
  const all = matching(store, input.query, ALL_PHASES);
  const now = Date.now();
  const from = time(input.query, "start_time") ?? Math.min(now, ...all.map((s) => s.createdAt));
  const to = time(input.query, "end_time") ?? now;
  const step = granularity(Math.max(0, to - from));
  if (all.length === 0) return { status: 200, json: { points: [], granularity_ms: step } };
  const first = Math.floor(from / step) * step;
  const counts = new Map<number, number>();
  for (const s of all) {
    const bucket = Math.floor(s.createdAt / step) * step;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  const points = [];
  for (let t = first; t <= to && points.length <= MAX_BUCKETS; t += step) {
    points.push({ timestamp: new Date(t).toISOString(), count: counts.get(t) ?? 0 });
  }
  return { status: 200, json: { points, granularity_ms: step } };
};
