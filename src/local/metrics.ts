// The metrics endpoints, from the samples usage.ts takes of each running sandbox's processes. Limits
// are the sandbox's `resources` as requested (0 when absent): the local server does not enforce them,
// they are what utilization is measured against. Network traffic cannot be told apart per sandbox on
// a shared host, so those series are absent. A sandbox that is not running has no data.
import type { components } from "../../generated/schema.js";
import type { Handler } from "./handler.js";
import { badRequest } from "./http.js";
import { parseSince } from "./logs.js";
import type { SandboxState } from "./store.js";
import { timeParam } from "./times.js";
import type { Sample } from "./usage.js";

type S = components["schemas"];
const DEFAULT_WINDOW = "1h";

const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
const FACTOR: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes quantity (`"2"`, `"500m"`, `"512Mi"`) as a number; 0 when absent or not one. */
export function quantity(text: string | undefined): number {
  const m = text === undefined ? null : QUANTITY.exec(text);
  return m ? Number(m[1]) * FACTOR[m[2] ?? ""]! : 0;
}

const limits = (s: SandboxState) => ({
  cores: quantity(s.spec.resources?.cpu),
  bytes: quantity(s.spec.resources?.memory),
});

/** The nearest-rank percentile of values (0 for none). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const pct = (value: number, limit: number) => (limit > 0 ? (value / limit) * 100 : 0);

function summary(samples: Sample[], windowSeconds: number, s: SandboxState): S["MetricSummaryResponse"] {
  const { cores, bytes } = limits(s);
  const cpu = samples.map((x) => x.cpuCores);
  const mem = samples.map((x) => x.memBytes);
  const [cpu50, cpu90, mem50, mem90] = [
    percentile(cpu, 50),
    percentile(cpu, 90),
    percentile(mem, 50),
    percentile(mem, 90),
  ];
  return {
    window_seconds: windowSeconds,
    has_data: samples.length > 0,
    cpu_cores_p50: cpu50,
    cpu_cores_p90: cpu90,
    cpu_limit_cores: cores,
    cpu_util_p50_pct: pct(cpu50, cores),
    cpu_util_p90_pct: pct(cpu90, cores),
    mem_bytes_p50: mem50,
    mem_bytes_p90: mem90,
    mem_limit_bytes: bytes,
    mem_util_p50_pct: pct(mem50, bytes),
    mem_util_p90_pct: pct(mem90, bytes),
  };
}

export const getSandboxMetricsSummary: Handler = ({ store, input }) => {
  const now = Date.now();
  const from = parseSince((input.query.since as string | undefined) ?? DEFAULT_WINDOW, now)!;
  if (from > now) throw badRequest("invalid request: since: must be in the past");
  const s = store.sandbox(input.path.id!);
  const samples = s.phase === "running" ? s.usage.between(from, now) : [];
  return { status: 200, json: summary(samples, (now - from) / 1000, s) };
};

type Metric = "cpu_usage" | "cpu_reserved" | "memory_usage" | "memory_reserved" | "network_rx" | "network_tx";
const UNIT: Record<Metric, string> = {
  cpu_usage: "cores",
  cpu_reserved: "cores",
  memory_usage: "bytes",
  memory_reserved: "bytes",
  network_rx: "bytes/sec",
  network_tx: "bytes/sec",
};

/** The value of `metric` at one sample, or undefined when the local server cannot measure it. */
function valueOf(metric: Metric, sample: Sample, s: SandboxState): number | undefined {
  const { cores, bytes } = limits(s);
  if (metric === "cpu_usage") return sample.cpuCores;
  if (metric === "memory_usage") return sample.memBytes;
  if (metric === "cpu_reserved") return cores || undefined;
  if (metric === "memory_reserved") return bytes || undefined;
  return undefined;
}

function series(metric: Metric, samples: Sample[], s: SandboxState): S["SandboxMetricsSeries"][] {
  const points = samples.flatMap((x) => {
    const value = valueOf(metric, x, s);
    return value === undefined ? [] : [{ timestamp_utc: new Date(x.at).toISOString(), value }];
  });
  if (points.length === 0) return [];
  const labels = { sandbox_id: s.id, pod: s.id.replace(/_/g, "-"), container: "sandbox" };
  return [{ labels, unit: UNIT[metric], time_series: points }];
}

export const getSandboxMetrics: Handler = ({ store, input }) => {
  const from = timeParam(input.query, "start_time_utc")!;
  const to = timeParam(input.query, "end_time_utc")!;
  if (to < from) throw badRequest("invalid request: end_time_utc: must not be before start_time_utc");
  const s = store.sandbox(input.path.id!);
  const samples = s.phase === "running" ? s.usage.between(from, to) : [];
  return { status: 200, json: { results: [{ series: series(input.query.metric as Metric, samples, s) }] } };
};
