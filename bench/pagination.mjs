// Target 6: walking 100,000 sandboxes with `for await` over a paginated list (a stub fetch serving
// 1,000 pages of 100) holds memory flat: heapUsed after gc, sampled every 50 pages. The same walk by
// hand through openapi-fetch and plain fetch gives the time beside it. Needs --expose-gc.
import createClient from "openapi-fetch";
import { BASE_URL, fmt, importSdk, isMain, median, printResult, statusRecord } from "./lib.mjs";

const PER_PAGE = 100;
const TOTAL_PAGES = 1000;
const SAMPLE_EVERY_PAGES = 50;

/** A stub serving GET /v1/sandbox?page=N: page N of TOTAL_PAGES, each with PER_PAGE distinct records. */
function listStub(counter) {
  return async (input, init) => {
    counter.requests++;
    const url = typeof input === "string" ? input : input.url;
    void init;
    const page = Number(new URL(url).searchParams.get("page") ?? "1");
    const sandboxes = [];
    for (let i = 0; i < PER_PAGE; i++) sandboxes.push(statusRecord((page - 1) * PER_PAGE + i + 1));
    const body = JSON.stringify({
      sandboxes,
      pagination: { current_page: page, total_pages: TOTAL_PAGES, has_next_page: page < TOTAL_PAGES },
    });
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  };
}

const heapNow = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

export async function run(args = []) {
  if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
  const quick = args.includes("--quick");
  const all = quick ? 200 : TOTAL_PAGES;
  const pages = all;
  const { Porter } = await importSdk();

  const walks = {
    sdk: async (fetch, sample, pages = all) => {
      const porter = new Porter({ baseUrl: BASE_URL, fetch });
      let n = 0;
      for await (const sandbox of porter.sandboxes.list()) {
        if (sandbox.id === undefined) throw new Error("no id");
        if (++n % (PER_PAGE * SAMPLE_EVERY_PAGES) === 0) sample?.(n);
        if (n === pages * PER_PAGE) break;
      }
      return n;
    },
    "openapi-fetch": async (fetch, _sample, pages = all) => {
      const raw = createClient({ baseUrl: BASE_URL, fetch });
      let n = 0;
      for (let page = 1; page <= pages; page++) {
        const { data, error } = await raw.GET("/v1/sandbox", { params: { query: { page } } });
        if (error) throw new Error("list failed");
        for (const sandbox of data.sandboxes) if (sandbox.id !== undefined) n++;
        if (!data.pagination.has_next_page) break;
      }
      return n;
    },
    "plain fetch": async (fetch, _sample, pages = all) => {
      let n = 0;
      for (let page = 1; page <= pages; page++) {
        const res = await fetch(`${BASE_URL}/v1/sandbox?page=${page}`, { headers: { accept: "application/json" } });
        if (!res.ok) throw new Error("list failed");
        const data = await res.json();
        for (const sandbox of data.sandboxes) if (sandbox.id !== undefined) n++;
        if (!data.pagination.has_next_page) break;
      }
      return n;
    },
  };

  // Memory: one SDK walk, sampled.
  const counter = { requests: 0 };
  const samples = [];
  const before = heapNow();
  const walked = await walks.sdk(listStub(counter), (n) => samples.push({ items: n, heap: heapNow() }));
  if (walked !== pages * PER_PAGE || counter.requests !== pages)
    throw new Error(`walked ${walked} items in ${counter.requests} requests`);
  const heaps = samples.map((s) => s.heap);
  const first = heaps[0];
  const last = heaps[heaps.length - 1];
  const max = Math.max(...heaps);
  // What holding every item would cost, from the growth over the first sample: the flatness bar is
  // a small fraction of it, and at most 1 MiB.
  const grown = last - first;
  const flat = grown < 1024 * 1024 && max - first < 2 * 1024 * 1024;

  // Time: walks of `timedPages` pages, interleaved, median per contender.
  const names = Object.keys(walks);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const rounds = quick ? 1 : 5;
  const timedPages = quick ? 100 : 150;
  for (let r = 0; r < rounds; r++) {
    for (const name of names.map((_, i) => names[(i + r) % names.length])) {
      heapNow();
      const t = performance.now();
      await walks[name](listStub({ requests: 0 }), undefined, timedPages);
      times[name].push(performance.now() - t);
    }
  }
  const t = Object.fromEntries(names.map((n) => [n, median(times[n])]));
  return {
    id: "pagination",
    title: `for await over ${(pages * PER_PAGE).toLocaleString("en-US")} sandboxes (${pages} pages of ${PER_PAGE}, stub fetch)`,
    method: `heapUsed after gc every ${SAMPLE_EVERY_PAGES} pages (${samples.length} samples; ${fmt.mib(before)} before the walk); time = median of ${rounds} walks of ${timedPages} pages per contender, interleaved; openapi-fetch and plain fetch page by hand.`,
    samples: samples.map((s) => ({ items: s.items, heapMiB: Number((s.heap / 1024 / 1024).toFixed(2)) })),
    rows: [
      {
        what: "Heap during the walk (first / last / max sample)",
        sdk: `${fmt.mib(first)} / ${fmt.mib(last)} / ${fmt.mib(max)}`,
        openapiFetch: "",
        plainFetch: "",
        ratio: undefined,
        target: "flat (one page at a time)",
        met: flat,
        note: `last − first ${grown >= 0 ? "+" : ""}${fmt.mib(grown)}; flat = under +1 MiB, and max under first +2 MiB`,
      },
      {
        what: `Walk time, ${(timedPages * PER_PAGE).toLocaleString("en-US")} sandboxes`,
        sdk: fmt.ms(t.sdk),
        openapiFetch: fmt.ms(t["openapi-fetch"]),
        plainFetch: fmt.ms(t["plain fetch"]),
        ratio: t.sdk / t["openapi-fetch"],
        target: "(reported)",
        met: undefined,
      },
    ],
  };
}

if (isMain(import.meta.url)) {
  const r = await run(process.argv.slice(2));
  printResult(r);
  console.log(r.samples.map((s) => `${s.items}: ${s.heapMiB} MiB`).join("  "));
}
