// Requests and responses shaped like the API's, shared by the benchmarks and their server process.

export const BASE_URL = "http://127.0.0.1:8080";

export function statusRecord(i = 1, phase = "running") {
  return {
    id: `sbx_${i}`,
    name: `sandbox-${i}`,
    image: "python:3.12-slim",
    tags: { workflow: "bench" },
    phase,
    exit_code: null,
    created_at: "2025-11-21T14:00:00Z",
    started_at: "2025-11-21T14:00:02Z",
    host: "",
  };
}

/** The quickstart's create, as the SDK and the raw client both send it. */
export const SPEC = Object.freeze({
  image: "python:3.12-slim",
  name: "my-sandbox",
  command: ["sleep", "infinity"],
  ttl_seconds: 600,
  tags: { workflow: "demo" },
});

export const GET_JSON = JSON.stringify(statusRecord(1));
// A create answered with the status record embedded, so the SDK makes one request, like the others.
export const CREATE_JSON = JSON.stringify({
  id: "sbx_1",
  name: "my-sandbox",
  status: { ...statusRecord(1, "queued"), name: "my-sandbox" },
});

const utf8 = new TextEncoder();
export const jsonHeaders = (body) => ({
  "content-type": "application/json",
  "content-length": String(utf8.encode(body).length),
  "x-request-id": "req_bench",
});
