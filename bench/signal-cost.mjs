// What one AbortSignal per request costs Node's own fetch, with no SDK involved: plain `fetch` against the
// throughput benchmark's keep-alive server, 64 in flight, with and without the AbortController and timer
// that a real per-request timeout needs (the SDK makes one per attempt). Interleaved rounds; the figure is
// the median of the per-round ratios. Reported in docs/performance.md, not part of `npm run bench`.
import { fork } from "node:child_process";
import path from "node:path";
import { median, quantile } from "./lib.mjs";

const IN_FLIGHT = 64;
const child = fork(path.join(import.meta.dirname, "server.mjs"), [], {
  execArgv: [],
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const port = await new Promise((resolve) => child.once("message", (m) => resolve(m.port)));
const url = `http://127.0.0.1:${port}/v1/sandbox/sbx_1`;

const variants = {
  "no signal": () => fetch(url).then((res) => res.json()),
  "a signal and a 30 s timer": async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30_000);
    try {
      return await (await fetch(url, { signal: controller.signal })).json();
    } finally {
      clearTimeout(timer);
    }
  },
};

/** Requests per second for `count` calls of `call`, IN_FLIGHT at a time. */
async function drive(call, count) {
  let started = 0;
  const worker = async () => {
    while (started++ < count) await call();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return count / ((performance.now() - t0) / 1000);
}

const names = Object.keys(variants);
for (const name of names) await drive(variants[name], 2000); // warm-up: connections and JIT
const ratios = [];
for (let round = 0; round < 31; round++) {
  const rate = {};
  for (const name of round % 2 ? names : [...names].reverse()) rate[name] = await drive(variants[name], 1000);
  ratios.push(rate[names[1]] / rate[names[0]]);
}
console.log(
  `plain fetch, ${IN_FLIGHT} in flight: with ${names[1]} ÷ with ${names[0]} = ${median(ratios).toFixed(2)}x requests/s ` +
    `(IQR ${quantile(ratios, 0.25).toFixed(2)}x-${quantile(ratios, 0.75).toFixed(2)}x, 31 rounds, Node ${process.version})`,
);
child.disconnect();
