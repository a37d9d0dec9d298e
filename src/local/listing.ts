// Listing and counting sandboxes: the shared filters, real pagination, filter values and time buckets.
import type { components } from "../../generated/schema.js";
import type { Handler } from "./handler.js";
import { badRequest } from "./http.js";
import { statusRecord } from "./records.js";
import { LIVE_PHASES, type Phase, type SandboxState, type Store } from "./store.js";

const ALL_PHASES: readonly Phase[] = ["queued", "creating", "running", "succeeded", "failed", "terminated"];
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

// The spec's `format: date-time` is not carried into the request rules, so it is checked here.
function time(query: Record<string, unknown>, name: string): number | undefined {
  const value = query[name] as string | undefined;
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!RFC3339.test(value) || Number.isNaN(ms)) throw badRequest(`invalid request: ${name}: must be an RFC 3339 timestamp such as "2025-11-21T14:00:00Z"`);
  return ms;
}

/** Sandboxes matching every filter, newest first. Without `phase`, `defaultPhases` apply. */
function matching(store: Store, query: Record<string, unknown>, defaultPhases: readonly Phase[]): SandboxState[] {
  const tags = ((query.tag as string[] | undefined) ?? []).map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)] as const);
  const phases = (query.phase as Phase[] | undefined) ?? defaultPhases;
  const image = query.image as string | undefined;
  const prefix = query.search as string | undefined;
  const from = time(query, "start_time");
  const to = time(query, "end_time");
  return [...store.sandboxes.values()]
    .filter((s) =>
      phases.includes(s.phase) &&
      tags.every(([k, v]) => s.spec.tags?.[k] === v) &&
      (image === undefined || s.spec.image === image) &&
      (prefix === undefined || s.name.startsWith(prefix)) &&
      (from === undefined || s.createdAt >= from) &&
      (to === undefined || s.createdAt < to))
    .sort((a, b) => b.seq - a.seq);
}

// The values present among every matching sandbox (all pages), for building filters.
function filterValues(list: SandboxState[]): components["schemas"]["FilterValues"] {
  const tags: Record<string, Set<string>> = {};
  for (const s of list) for (const [k, v] of Object.entries(s.spec.tags ?? {})) (tags[k] ??= new Set()).add(v);
  return {
    phases: ALL_PHASES.filter((p) => list.some((s) => s.phase === p)),
    images: [...new Set(list.map((s) => s.spec.image))].sort(),
    tags: Object.fromEntries(Object.entries(tags).map(([k, set]) => [k, [...set].sort()])),
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
      ...(input.query.include_filter_values === true ? { filter_values: filterValues(all) } : {}),
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
