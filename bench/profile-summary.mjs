// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by file, and the
// inclusive time of every function whose name or file matches an optional filter.
//   node bench/profile-summary.mjs <file.cpuprofile> [filter] [top=25]
import { readFileSync } from "node:fs";
import { isMain } from "./lib.mjs";

export function summarise(profile, { filter, top = 25 } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++)
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) =>
    `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*\/(node_modules\/|src\/|dist\/|bench\/)/, "$1")}:${n.callFrame.lineNumber + 1}`;
  const byFn = new Map();
  const byFile = new Map();
  const inclusive = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const n = nodes.get(id);
    total += us;
    byFn.set(label(n), (byFn.get(label(n)) ?? 0) + us);
    const file = n.callFrame.url || `(${n.callFrame.functionName})`;
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    // Inclusive: charge every distinct frame on the stack once.
    const seen = new Set();
    for (let p = id; p !== undefined; p = parent.get(p)) {
      const l = label(nodes.get(p));
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const rows = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
      );
  const matching = filter ? new Map([...inclusive].filter(([k]) => k.includes(filter))) : new Map();
  return { totalMs: total / 1000, self: rows(byFn), files: rows(byFile), inclusive: rows(matching) };
}

if (isMain(import.meta.url)) {
  const [file, filter, top] = process.argv.slice(2);
  const s = summarise(JSON.parse(readFileSync(file, "utf8")), { filter, top: Number(top ?? 25) });
  console.log(
    `total ${s.totalMs.toFixed(1)} ms\n\nself time by function:\n${s.self.join("\n")}\n\nself time by file:\n${s.files.join("\n")}`,
  );
  if (filter) console.log(`\ninclusive time, frames matching ${JSON.stringify(filter)}:\n${s.inclusive.join("\n")}`);
}
