// Shared pieces of the benchmarks: fixtures shaped like the API's, a stub `fetch`, the interleaved
// round runner, statistics and formatting. Every timing here is reported, never asserted.
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { benchDist, buildMain, root } from "./build.mjs";
import { CREATE_JSON, GET_JSON, SPEC, jsonHeaders } from "./fixtures.mjs";

export { root };
export * from "./fixtures.mjs";

/** The SDK's ESM entry under test: BENCH_SDK, else the bench build of the current src (built once). */
export async function sdkEntry() {
  if (process.env.BENCH_SDK) return path.resolve(process.env.BENCH_SDK);
  const file = path.join(benchDist, "index.js");
  return existsSync(file) ? file : buildMain();
}

export const importSdk = async () => import(pathToFileURL(await sdkEntry()).href);

/** A second SDK build to compare side by side (BENCH_SDK_ALT=<ESM entry>), e.g. with a proposed fix. */
export const importSdkAlt = async () =>
  process.env.BENCH_SDK_ALT ? import(pathToFileURL(path.resolve(process.env.BENCH_SDK_ALT)).href) : undefined;

/**
 * A `fetch` that never touches a socket: it answers from the method and path alone with a fresh
 * `Response` on every call. It accepts both call shapes, `fetch(url, init)` (the SDK, plain fetch)
 * and `fetch(request)` (openapi-fetch), and does the same work for each.
 */
export function stubFetch({ getJson = GET_JSON, createJson = CREATE_JSON } = {}) {
  const getHeaders = jsonHeaders(getJson);
  const createHeaders = jsonHeaders(createJson);
  return async function stub(input, init) {
    const method = init?.method ?? (typeof input === "object" ? input.method : "GET");
    if (method === "POST") return new Response(createJson, { status: 201, headers: createHeaders });
    return new Response(getJson, { status: 200, headers: getHeaders });
  };
}

// --- Statistics ---------------------------------------------------------------------------------

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

export const gc = () => globalThis.gc?.();

/**
 * Runs every contender in every round, in a rotated order so that none is always first (or always
 * after another's garbage), and returns each contender's per-round figures plus, for each round, the
 * ratio of every contender to `baseline`. `measure(contender)` returns one figure for one batch.
 */
export async function interleave(names, measure, { rounds, baseline, collect = true }) {
  const figures = Object.fromEntries(names.map((n) => [n, []]));
  const ratios = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    const round = {};
    for (const name of order) {
      if (collect) gc();
      round[name] = await measure(name);
      figures[name].push(round[name]);
    }
    for (const name of names) ratios[name].push(round[name] / round[baseline]);
  }
  return {
    median: Object.fromEntries(names.map((n) => [n, median(figures[n])])),
    ratio: Object.fromEntries(names.map((n) => [n, median(ratios[n])])),
    /** Sum over all rounds of the contender's figures over the baseline's: counts every GC pause. */
    ratioOfTotals: Object.fromEntries(
      names.map((n) => [n, figures[n].reduce((a, b) => a + b, 0) / figures[baseline].reduce((a, b) => a + b, 0)]),
    ),
    ratioSpread: Object.fromEntries(names.map((n) => [n, [quantile(ratios[n], 0.25), quantile(ratios[n], 0.75)]])),
    rounds,
  };
}

// --- Child processes ----------------------------------------------------------------------------

/** Runs a bench module's `run()` in a fresh Node process (with --expose-gc) and returns its result. */
export function runInChild(module, args = [], execArgv = ["--expose-gc"]) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(import.meta.dirname, "child.mjs"), [module, ...args], {
      execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result;
    child.on("message", (m) => (result = m));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`bench ${module} exited with ${code}`)),
    );
  });
}

// --- Formatting ---------------------------------------------------------------------------------

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const fmt = {
  us: (ns) => `${(ns / 1000).toFixed(1)} µs`,
  ms: (ms) => `${ms.toFixed(1)} ms`,
  rps: (r) => `${Math.round(r).toLocaleString("en-US")} req/s`,
  kib: (b) => `${(b / KiB).toFixed(1)} KiB`,
  mib: (b) => `${(b / MiB).toFixed(2)} MiB`,
  x: (r) => `${r.toFixed(2)}x`,
};

/** Prints rows as an aligned plain-text table. */
export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? "").length)));
  const line = (cells) =>
    cells
      .map((c, i) => String(c ?? "").padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export const isMain = (url) => url === pathToFileURL(process.argv[1] ?? "").href;

/** The standalone printout of one bench module's result. */
export function printResult(r) {
  if (r.method) console.log(`${r.title}: ${r.method}`);
  const ratio = (x) => x.ratioText ?? (x.ratio === undefined || !Number.isFinite(x.ratio) ? "" : fmt.x(x.ratio));
  console.log(
    table(
      ["", "SDK", "openapi-fetch", "plain fetch", "SDK/openapi-fetch", "target", "met"],
      r.rows.map((x) => [
        x.what,
        x.sdk,
        x.openapiFetch,
        x.plainFetch,
        ratio(x),
        x.target,
        x.met === undefined ? "" : x.met ? "yes" : "NO",
      ]),
    ),
  );
  for (const x of r.rows) if (x.note) console.log(`note: ${x.note}`);
}

/**
 * The same GET and create through the SDK, raw openapi-fetch and plain `fetch`, against `base` with
 * `fetchImpl` (a stub for per-call CPU, the real one for throughput): every benchmark compares these.
 */
export function contenders({ porter, raw, base, fetchImpl = (url, init) => fetch(url, init) }) {
  return {
    get: {
      sdk: () => porter.sandboxes.get("sbx_1"),
      "openapi-fetch": async () => {
        const { data, error } = await raw.GET("/v1/sandbox/{id}", { params: { path: { id: "sbx_1" } } });
        if (error) throw new Error("GET failed");
        return data;
      },
      "plain fetch": async () => {
        const res = await fetchImpl(`${base}/v1/sandbox/${encodeURIComponent("sbx_1")}`, {
          method: "GET",
          headers: { accept: "application/json" },
        });
        if (!res.ok) throw new Error("GET failed");
        return res.json();
      },
    },
    create: {
      sdk: () => porter.sandboxes.create(SPEC),
      "openapi-fetch": async () => {
        const { data, error } = await raw.POST("/v1/sandbox/run", {
          body: SPEC,
          params: { header: { "Idempotency-Key": crypto.randomUUID() } },
        });
        if (error) throw new Error("POST failed");
        return data;
      },
      "plain fetch": async () => {
        const res = await fetchImpl(`${base}/v1/sandbox/run`, {
          method: "POST",
          headers: {
            accept: "application/json",
            "content-type": "application/json",
            "idempotency-key": crypto.randomUUID(),
          },
          body: JSON.stringify(SPEC),
        });
        if (!res.ok) throw new Error("POST failed");
        return res.json();
      },
    },
  };
}
