// Metrics measured for real (Linux /proc, sampled every 20 ms here) for running sandboxes, with raw
// HTTP: the summary's percentiles and utilization against the requested resources, and the series of
// one metric; nothing for a sandbox that does not run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, runningSandbox, terminate, useServer } from "./harness.js";
import { noMetricsSummary } from "../helpers/records.js";

const h = useServer({ metricsIntervalMs: 20 });
let busy: string;
let idle: string;

const summary = async (id: string, query = "") => {
  const res = await h.http(`/v1/sandbox/${id}/metrics-summary${query}`);
  expect(res.status).toBe(200);
  return res.json();
};
const metric = async (
  id: string,
  name: string,
  from = new Date(Date.now() - 60_000),
  to = new Date(Date.now() + 1000),
) => {
  const res = await h.http(
    `/v1/sandbox/${id}/metrics?metric=${name}&start_time_utc=${from.toISOString()}&end_time_utc=${to.toISOString()}`,
  );
  expect(res.status).toBe(200);
  return res.json();
};

beforeAll(async () => {
  // A shell spinning in a loop uses CPU and memory; `sleep` holds memory and next to no CPU.
  busy = await runningSandbox(h, {
    image: "alpine",
    command: ["sh", "-c", "while :; do :; done"],
    resources: { cpu: "500m", memory: "256Mi" },
  });
  idle = await runningSandbox(h, { image: "alpine", command: ["sleep", "120"] });
});
afterAll(async () => {
  for (const id of [busy, idle]) if (id) await terminate(h, id);
});

describe("metrics of running sandboxes", () => {
  it("summarises measured CPU and memory, with utilization against the requested resources", async () => {
    const s = await eventually(async () => {
      const found = await summary(busy);
      return found.has_data && found.cpu_cores_p90 > 0 ? found : undefined;
    });
    expect(s.window_seconds).toBe(3600);
    expect(s.cpu_cores_p90).toBeGreaterThanOrEqual(s.cpu_cores_p50);
    expect(s.mem_bytes_p50).toBeGreaterThan(0);
    expect(s.mem_bytes_p90).toBeGreaterThanOrEqual(s.mem_bytes_p50);
    expect([s.cpu_limit_cores, s.mem_limit_bytes]).toEqual([0.5, 256 * 1024 * 1024]);
    expect(s.cpu_util_p90_pct).toBeCloseTo((s.cpu_cores_p90 / 0.5) * 100, 6);
    expect(s.mem_util_p50_pct).toBeCloseTo((s.mem_bytes_p50 / (256 * 1024 * 1024)) * 100, 6);
    expect((await summary(busy, "?since=5m")).window_seconds).toBe(300);
  });

  it("reports no limits (and no utilization) for a sandbox that requested none", async () => {
    const s = await eventually(async () => ((await summary(idle)).has_data ? summary(idle) : undefined));
    expect(s.mem_bytes_p50).toBeGreaterThan(0);
    expect([s.cpu_limit_cores, s.cpu_util_p50_pct, s.mem_limit_bytes, s.mem_util_p90_pct]).toEqual([0, 0, 0, 0]);
  });

  it("gives one metric as a time series in the range asked for, oldest first", async () => {
    await eventually(async () => ((await summary(busy)).has_data ? true : undefined));
    const cpu = await metric(busy, "cpu_usage");
    expect(cpu.results).toHaveLength(1);
    const [series] = cpu.results[0].series;
    expect(series.unit).toBe("cores");
    expect(series.labels).toEqual({ sandbox_id: busy, pod: busy.replace("_", "-"), container: "sandbox" });
    const times = series.time_series.map((p: { timestamp_utc: string }) => Date.parse(p.timestamp_utc));
    expect(times.length).toBeGreaterThan(0);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const p of series.time_series) expect(p.value).toBeGreaterThanOrEqual(0);
    const memory = (await metric(busy, "memory_usage")).results[0].series[0];
    expect(memory.unit).toBe("bytes");
    expect(memory.time_series.every((p: { value: number }) => p.value > 0)).toBe(true);
    const reserved = (await metric(busy, "memory_reserved")).results[0].series[0];
    expect(new Set(reserved.time_series.map((p: { value: number }) => p.value))).toEqual(new Set([256 * 1024 * 1024]));
    // What cannot be measured per sandbox on a shared host, or was not requested, has no series.
    expect((await metric(busy, "network_rx")).results).toEqual([{ series: [] }]);
    expect((await metric(idle, "cpu_reserved")).results).toEqual([{ series: [] }]);
    // A range without samples.
    expect(
      (await metric(busy, "cpu_usage", new Date("2000-01-01T00:00:00Z"), new Date("2000-01-02T00:00:00Z"))).results,
    ).toEqual([{ series: [] }]);
  });

  it("reports nothing for a sandbox that does not run, and 404 for an unknown one", async () => {
    const ended = await runningSandbox(h, { image: "alpine", command: ["sleep", "60"], resources: { cpu: "1" } });
    await eventually(async () => ((await summary(ended)).has_data ? true : undefined));
    await terminate(h, ended);
    expect(await summary(ended)).toEqual({ ...noMetricsSummary(3600), cpu_limit_cores: 1 });
    expect((await metric(ended, "cpu_usage")).results).toEqual([{ series: [] }]);
    const missing = await h.http("/v1/sandbox/sbx_missing/metrics-summary");
    expect([missing.status, (await missing.json()).code]).toEqual([404, "not_found"]);
  });
});
