// Targets 4 and 5, each in fresh Node processes, interleaved (SDK, openapi-fetch, empty, rotated):
// - cold import: time of the dynamic `import()` of the module, measured inside the child with
//   performance.now(), against the import of an empty module (the target is the difference of medians);
// - heap: heapUsed after gc once the module is imported and one client made, against an empty process.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { BASE_URL, fmt, isMain, median, printResult, root, sdkEntry } from "./lib.mjs";
import { work } from "./build.mjs";

const IMPORT_TARGET_MS = 10;
const HEAP_TARGET_BYTES = 2.5 * 1024 * 1024;

/** What each child imports, and the one client it makes for the heap figure. */
async function contenders() {
  mkdirSync(work, { recursive: true });
  const empty = path.join(work, "empty.mjs");
  writeFileSync(empty, "export {};\n");
  return {
    sdk: {
      url: pathToFileURL(await sdkEntry()).href,
      client: `new m.Porter({ baseUrl: ${JSON.stringify(BASE_URL)} })`,
    },
    // By its package name, as an application imports it (children run in the repo root).
    "openapi-fetch": { url: "openapi-fetch", client: `m.default({ baseUrl: ${JSON.stringify(BASE_URL)} })` },
    empty: { url: pathToFileURL(empty).href, client: "({})" },
  };
}

const importChild = (url) => `
performance.now();
const t0 = performance.now();
await import(${JSON.stringify(url)});
const importMs = performance.now() - t0;
process.stdout.write(JSON.stringify({ importMs }));
`;

const heapChild = (url, client) => `
const m = await import(${JSON.stringify(url)});
globalThis.kept = ${client};
for (let i = 0; i < 4; i++) { gc(); await new Promise((r) => setImmediate(r)); }
const { heapUsed } = process.memoryUsage();
process.stdout.write(JSON.stringify({ heapUsed }));
`;

function node(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited with ${code}`)),
    );
  });
}

export async function run(args = []) {
  const quick = args.includes("--quick");
  const all = await contenders();
  const names = Object.keys(all);
  const importRuns = quick ? 9 : 21;
  const heapRuns = quick ? 3 : 7;
  const imports = Object.fromEntries(names.map((n) => [n, []]));
  const heaps = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < importRuns; r++) {
    for (const name of names.map((_, i) => names[(i + r) % names.length])) {
      imports[name].push(await node(["--input-type=module", "-e", importChild(all[name].url)]));
      if (r < heapRuns)
        heaps[name].push(
          await node(["--expose-gc", "--input-type=module", "-e", heapChild(all[name].url, all[name].client)]),
        );
    }
  }
  const imp = Object.fromEntries(names.map((n) => [n, median(imports[n].map((x) => x.importMs))]));
  const heap = Object.fromEntries(names.map((n) => [n, median(heaps[n].map((x) => x.heapUsed))]));
  const overImport = (n) => imp[n] - imp.empty;
  const overHeap = (n) => heap[n] - heap.empty;
  return {
    id: "startup",
    title: "Cold start in a fresh Node process",
    method: `${importRuns} fresh processes per contender for the import, ${heapRuns} for the heap, interleaved; figures are medians minus the empty module's median (import: ${fmt.ms(imp.empty)} for the empty module; heap: ${fmt.mib(heap.empty)} for the empty process).`,
    rows: [
      {
        what: "Cold import (dynamic import(), over an empty module)",
        sdk: `+${fmt.ms(overImport("sdk"))}`,
        openapiFetch: `+${fmt.ms(overImport("openapi-fetch"))}`,
        plainFetch: "+0 ms",
        ratio: overImport("sdk") / overImport("openapi-fetch"),
        target: `≤ ${IMPORT_TARGET_MS} ms over empty`,
        met: overImport("sdk") <= IMPORT_TARGET_MS,
      },
      {
        what: "Heap after import + one client (over an empty process)",
        sdk: `+${fmt.mib(overHeap("sdk"))}`,
        openapiFetch: `+${fmt.mib(overHeap("openapi-fetch"))}`,
        plainFetch: "+0 MiB",
        ratio: overHeap("sdk") / overHeap("openapi-fetch"),
        target: "≤ 2.5 MiB over empty",
        met: overHeap("sdk") <= HEAP_TARGET_BYTES,
      },
    ],
  };
}

if (isMain(import.meta.url)) {
  printResult(await run(process.argv.slice(2)));
}
