// Target 2: throughput against a keep-alive node:http server in another process, 64 requests in
// flight, through the real global fetch: the SDK, raw openapi-fetch and plain fetch, for the same GET
// and the same create. Interleaved rounds; figure = requests per second (wall clock).
import { fork } from "node:child_process";
import path from "node:path";
import createClient from "openapi-fetch";
import { SPEC, contenders, fmt, importSdk, importSdkAlt, interleave, isMain, median, printResult } from "./lib.mjs";

const TARGET = 0.95;
const IN_FLIGHT = 64;

export function startServer() {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(import.meta.dirname, "server.mjs"), [], {
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (m) => resolve({ child, port: m.port }));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** Makes `total` calls with `IN_FLIGHT` of them in flight at any moment; returns requests per second. */
export async function drive(call, total) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      await call();
    }
  };
  const t = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return total / ((performance.now() - t) / 1000);
}

export async function run(args = []) {
  const quick = args.includes("--quick");
  const { child, port } = await startServer();
  try {
    const base = `http://127.0.0.1:${port}`;
    const { Porter } = await importSdk();
    const porter = new Porter({ baseUrl: base });
    const raw = createClient({ baseUrl: base });
    const calls = contenders({ porter, raw, base });
    const names = ["sdk", "openapi-fetch", "plain fetch"];
    const Alt = (await importSdkAlt())?.Porter;
    if (Alt) {
      const alt = new Alt({ baseUrl: base });
      calls.get["sdk (alt)"] = () => alt.sandboxes.get("sbx_1");
      calls.create["sdk (alt)"] = () => alt.sandboxes.create(SPEC);
      names.push("sdk (alt)");
    }
    // Profiling mode: `--profile=<contender>:<op>` drives one contender alone for ~8 s (run it under
    // node --cpu-prof and read the profile with bench/profile-summary.mjs).
    const profile = args
      .find((a) => a.startsWith("--profile="))
      ?.slice("--profile=".length)
      .split(":");
    if (profile) {
      const [who, op] = profile;
      await drive(calls[op][who], 500);
      const t = performance.now();
      let done = 0;
      while (performance.now() - t < 8000) done += (await drive(calls[op][who], 1000), 1000);
      return {
        id: "throughput-profile",
        title: `${who} ${op}: ${Math.round(done / ((performance.now() - t) / 1000))} req/s`,
        method: "",
        rows: [],
      };
    }
    const rounds = quick ? 5 : Number(args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 21);
    const rows = [];
    let total = 0;
    for (const [op, fns] of Object.entries(calls)) {
      // Warm-up: opens the 64 keep-alive connections and lets the JIT settle; sizes the batch to
      // about 150 ms of the slowest contender.
      let slowest = Infinity;
      for (const name of names) slowest = Math.min(slowest, await drive(fns[name], quick ? 300 : 1000));
      total = Math.max(IN_FLIGHT * 2, Math.round((slowest * (quick ? 100 : 150)) / 1000));
      // Beside requests/s, this process's CPU time per request: on a shared machine it is the steadier
      // view of the client's own cost (the server runs in its own process).
      const cpu = Object.fromEntries(names.map((n) => [n, []]));
      const r = await interleave(
        names,
        async (name) => {
          const c = process.cpuUsage();
          const rps = await drive(fns[name], total);
          const used = process.cpuUsage(c);
          cpu[name].push((used.user + used.system) / total);
          return rps;
        },
        { rounds, baseline: "openapi-fetch" },
      );
      const cpuRatio = median(cpu.sdk.map((v, i) => v / cpu["openapi-fetch"][i]));
      const label = op === "get" ? "GET /v1/sandbox/{id}" : "create (POST, body, Idempotency-Key)";
      rows.push({
        what: `Throughput, ${label}`,
        sdk: fmt.rps(r.median.sdk),
        openapiFetch: fmt.rps(r.median["openapi-fetch"]),
        plainFetch: fmt.rps(r.median["plain fetch"]),
        ratio: r.ratio.sdk,
        ratioText: `${fmt.x(r.ratio.sdk)} (IQR ${fmt.x(r.ratioSpread.sdk[0])}-${fmt.x(r.ratioSpread.sdk[1])})`,
        plainRatio: r.ratio["plain fetch"],
        target: `≥ ${TARGET}x openapi-fetch`,
        met: r.ratio.sdk >= TARGET,
        note: `${op}: ${Alt ? `BENCH_SDK_ALT ${fmt.x(r.ratio["sdk (alt)"])} of openapi-fetch (client CPU ${fmt.x(median(cpu["sdk (alt)"].map((v, i) => v / cpu["openapi-fetch"][i])))}); ` : ""}client CPU per request ${Math.round(median(cpu.sdk))} µs (SDK) vs ${Math.round(median(cpu["openapi-fetch"]))} µs (openapi-fetch) vs ${Math.round(median(cpu["plain fetch"]))} µs (plain fetch), SDK/openapi-fetch ${fmt.x(cpuRatio)}`,
      });
    }
    return {
      id: "throughput",
      title: `Throughput (keep-alive node:http server in another process, ${IN_FLIGHT} in flight)`,
      method: `${rounds} interleaved rounds of a batch per contender (~${total} requests in the last); figure = median requests/s; ratio = median of per-round SDK/openapi-fetch (higher is better).`,
      rows,
    };
  } finally {
    child.disconnect();
  }
}

if (isMain(import.meta.url)) {
  const r = await run(process.argv.slice(2));
  printResult(r);
}
