// Records in the shapes of Porter's published models, for tests that serve them from a loopback server.
import type { MetricSummaryResponse, StatusResponse } from "../../src/index.js";

/** A running sandbox's status record; `over` replaces fields. */
export function statusRecord(over: Partial<StatusResponse> = {}): StatusResponse {
  return {
    id: "sbx_1",
    name: "box",
    image: "alpine",
    phase: "running",
    created_at: "2026-11-22T00:00:00Z",
    host: "",
    ...over,
  };
}

/** A metrics summary with no samples yet (`has_data: false`, every figure zero). */
export function noMetricsSummary(window_seconds = 3600): MetricSummaryResponse {
  return {
    window_seconds,
    has_data: false,
    cpu_cores_p50: 0,
    cpu_cores_p90: 0,
    cpu_limit_cores: 0,
    cpu_util_p50_pct: 0,
    cpu_util_p90_pct: 0,
    mem_bytes_p50: 0,
    mem_bytes_p90: 0,
    mem_limit_bytes: 0,
    mem_util_p50_pct: 0,
    mem_util_p90_pct: 0,
  };
}
