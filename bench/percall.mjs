// Target 1: per-call CPU with a stub `fetch` (no socket), so only each client's own work counts.
// The same GET and the same create through the SDK (retries on, at their defaults), the raw
// openapi-fetch client, and the stub called directly; interleaved rounds, median ratio.
import createClient from "openapi-fetch";
import {
  BASE_URL,
  SPEC,
  contenders,
  fmt,
  importSdk,
  importSdkAlt,
  interleave,
  isMain,
  printResult,
  stubFetch,
} from "./lib.mjs";

const TARGET = 1.15;

export async function run(args = []) {
  const quick = args.includes("--quick");
  const { Porter } = await importSdk();
  const stub = stubFetch();
  const porter = new Porter({ baseUrl: BASE_URL, fetch: stub });
  const raw = createClient({ baseUrl: BASE_URL, fetch: stub });

  // Sanity: every contender gets the same data back, and the SDK makes one request per call.
  let requests = 0;
  const counting = new Porter({ baseUrl: BASE_URL, fetch: (...a) => (requests++, stub(...a)) });
  const got = await counting.sandboxes.get("sbx_1");
  const made = await counting.sandboxes.create(SPEC);
  if (requests !== 2 || got.id !== "sbx_1" || made.name !== "my-sandbox")
    throw new Error(`SDK made ${requests} requests for one get and one create`);

  const calls = contenders({ porter, raw, base: BASE_URL, fetchImpl: stub });

  const names = ["sdk", "openapi-fetch", "plain fetch"];
  const Alt = (await importSdkAlt())?.Porter;
  if (Alt) {
    const alt = new Alt({ baseUrl: BASE_URL, fetch: stub });
    calls.get["sdk (alt)"] = () => alt.sandboxes.get("sbx_1");
    calls.create["sdk (alt)"] = () => alt.sandboxes.create(SPEC);
    names.push("sdk (alt)");
  }
  // Many short rounds: a burst of load from another process then hits one round of all three
  // contenders, not one contender's whole measurement.
  const rounds = quick ? 41 : 201;
  const batchMs = 5;
  const rows = [];
  let batch = 0;
  for (const [op, fns] of Object.entries(calls)) {
    // Warm-up, so that the JIT has settled; it also sizes the batch to about `batchMs` of work on
    // this machine at this moment (the same count for every contender of the round).
    const warm = {};
    for (const name of names) {
      const t = performance.now();
      for (let i = 0; i < 400; i++) await fns[name]();
      warm[name] = (performance.now() - t) / 400;
    }
    batch = Math.max(5, Math.min(5000, Math.round(batchMs / Math.max(...Object.values(warm)))));
    const r = await interleave(
      names,
      async (name) => {
        const fn = fns[name];
        // CPU time of this process (user + system), not wall time: on a shared machine the wall
        // clock also counts the time other processes held the core.
        const t = process.cpuUsage();
        for (let i = 0; i < batch; i++) await fn();
        const used = process.cpuUsage(t);
        return ((used.user + used.system) * 1000) / batch; // ns of CPU per call
      },
      // No forced gc between batches: each contender's garbage is collected in the scavenges it
      // triggers, which land in the rotated rounds like everything else.
      { rounds, baseline: "openapi-fetch", collect: false },
    );
    const label = op === "get" ? "GET /v1/sandbox/{id}" : "create (POST, body, Idempotency-Key)";
    rows.push({
      what: `Per-call CPU, ${label}`,
      sdk: fmt.us(r.median.sdk),
      openapiFetch: fmt.us(r.median["openapi-fetch"]),
      plainFetch: fmt.us(r.median["plain fetch"]),
      ratio: r.ratio.sdk,
      ratioText: `${fmt.x(r.ratio.sdk)} (IQR ${fmt.x(r.ratioSpread.sdk[0])}-${fmt.x(r.ratioSpread.sdk[1])}; totals ${fmt.x(r.ratioOfTotals.sdk)})`,
      plainRatio: r.ratio["plain fetch"],
      target: `≤ ${TARGET}x openapi-fetch`,
      met: r.ratio.sdk <= TARGET,
      ...(Alt ? { note: `${op}: BENCH_SDK_ALT ${fmt.x(r.ratio["sdk (alt)"])} of openapi-fetch` } : {}),
    });
  }
  return {
    id: "percall",
    title: "Per-call CPU (stub fetch, no socket)",
    method: `${rounds} interleaved rounds of a batch of sequential calls per contender (sized to ~${batchMs} ms; ${batch} calls in the last); figure = median process CPU time (user + system) per call, ratio = median of per-round SDK/openapi-fetch.`,
    rows,
  };
}

if (isMain(import.meta.url)) {
  printResult(await run(process.argv.slice(2)));
}
