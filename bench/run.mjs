#!/usr/bin/env node
// Runs every benchmark (each in a fresh Node process, one after another), prints one table and
// rewrites the results section of docs/performance.md. Timings are reported here, never asserted.
//   node bench/run.mjs [--quick] [--only=bundle,startup,percall,throughput,pagination] [--no-write]
// The SDK measured is the current src, built with the project's tsup config into .tmp/bench/dist
// (BENCH_SDK=<path to an ESM entry> measures another build, e.g. dist/index.js).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildMain } from "./build.mjs";
import { fmt, root, runInChild, table } from "./lib.mjs";

const BENCHES = ["bundle", "startup", "percall", "throughput", "pagination"];
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const write = !argv.includes("--no-write") && !quick;
const only =
  argv
    .find((a) => a.startsWith("--only="))
    ?.slice("--only=".length)
    .split(",") ?? BENCHES;
const DOC = path.join(root, "docs/performance.md");
const START = "<!-- bench:results:start (written by `node bench/run.mjs`; edit outside these markers) -->";
const END = "<!-- bench:results:end -->";

function git(args) {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

function machine() {
  const cpus = os.cpus();
  const dirty = git(["status", "--porcelain", "--", "src", "generated", "package.json", "tsup.config.ts"]) !== "";
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    commit: `${git(["rev-parse", "--short", "HEAD"]) || "unknown"}${dirty ? " (with uncommitted changes to src)" : ""}`,
    load: os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" / "),
  };
}

const started = performance.now();
const info = machine();
if (!process.env.BENCH_SDK) {
  process.stdout.write("building the main entry (tsup, project config) into .tmp/bench/dist ... ");
  await buildMain();
  console.log("done");
}
const results = [];
for (const name of BENCHES.filter((b) => only.includes(b))) {
  const t = performance.now();
  process.stdout.write(`${name} ... `);
  const result = await runInChild(name, quick ? ["--quick"] : []);
  console.log(`${((performance.now() - t) / 1000).toFixed(1)} s`);
  results.push(result);
}
info.loadAfter = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(" / ");
const seconds = (performance.now() - started) / 1000;

const rows = results.flatMap((r) => r.rows);
const cell = (x) => [
  x.what,
  x.sdk,
  x.openapiFetch,
  x.plainFetch,
  x.ratioText ?? (x.ratio === undefined || !Number.isFinite(x.ratio) ? "" : fmt.x(x.ratio)),
  x.target,
  x.met === undefined ? "" : x.met ? "yes" : "NO",
];
const HEAD = ["", "SDK", "openapi-fetch", "plain fetch", "SDK ÷ openapi-fetch", "target", "met"];
console.log(`\n${info.cpu}, ${info.cores} cores, Node ${info.node}, load ${info.load} → ${info.loadAfter}\n`);
console.log(table(HEAD, rows.map(cell)));
console.log(
  `\n${rows.filter((r) => r.met === false).length} of ${rows.filter((r) => r.met !== undefined).length} targets missed; ${seconds.toFixed(0)} s`,
);

if (write) {
  const md = (cells) => `| ${cells.map((c) => String(c ?? "").replace(/\|/g, "\\|")).join(" | ")} |`;
  const section = [
    START,
    "",
    `Measured ${info.date} on ${info.cpu} (${info.cores} cores, ${info.memory}), ${info.os}, Node ${info.node}, commit ${info.commit}.`,
    `Load average (1/5/15 min) ${info.load} at the start and ${info.loadAfter} at the end: the machine was shared, so absolute times are inflated; the ratios are measured in the same run, interleaved.`,
    `The whole run took ${seconds.toFixed(0)} s.`,
    "",
    md(HEAD),
    md(HEAD.map(() => "---")),
    ...rows.map((r) => md(cell(r))),
    "",
    ...results.flatMap((r) => [
      `- **${r.title}.** ${r.method}${
        r.rows.some((x) => x.note)
          ? ` ${r.rows
              .filter((x) => x.note)
              .map((x) => x.note)
              .join("; ")}.`
          : ""
      }`,
    ]),
    "",
    ...results
      .filter((r) => r.breakdown)
      .flatMap((r) => [
        `<details><summary>Bundle by module (minified bytes; the same seed bundled against src/: ${fmt.kib(r.breakdownTotal.bytes)} minified, ${fmt.kib(r.breakdownTotal.gzipBytes)} gzipped)</summary>`,
        "",
        md(["module", "minified bytes"]),
        md(["---", "---:"]),
        ...r.breakdown.filter((b) => b.minifiedBytes > 0).map((b) => md([b.file, b.minifiedBytes])),
        "",
        "</details>",
        "",
      ]),
    ...results
      .filter((r) => r.samples)
      .flatMap((r) => [
        `Heap samples during the walk (items walked: MiB): ${r.samples.map((s) => `${s.items / 1000}k: ${s.heapMiB}`).join(", ")}.`,
        "",
      ]),
    END,
  ].join("\n");
  const doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : `# Performance\n\n${START}\n${END}\n`;
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a === -1 || b === -1) throw new Error(`${DOC} has lost its results markers; restore ${START} ... ${END}`);
  writeFileSync(DOC, doc.slice(0, a) + section + doc.slice(b + END.length));
  console.log(`wrote ${path.relative(root, DOC)}`);
}
