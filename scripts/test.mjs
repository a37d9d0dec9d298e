#!/usr/bin/env node
// `npm test`: builds the package (some tests check dist/), runs every vitest suite, and ends with
// the plain line `N passed, N failed` that CI reads. Extra arguments go to vitest (a file filter).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";

const run = (cmd, args) => spawnSync(cmd, args, { stdio: "inherit", shell: false }).status ?? 1;

mkdirSync(".tmp", { recursive: true });
if (run(process.execPath, ["node_modules/tsup/dist/cli-default.js", "--silent"]) !== 0) {
  console.log("build failed\n0 passed, 1 failed");
  process.exit(1);
}
const status = run(process.execPath, [
  "node_modules/vitest/vitest.mjs",
  "run",
  "--reporter=default",
  "--reporter=json",
  "--outputFile=.tmp/vitest.json",
  ...process.argv.slice(2),
]);
let passed = 0;
let failed = status === 0 ? 0 : 1;
try {
  const report = JSON.parse(readFileSync(".tmp/vitest.json", "utf8"));
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  // A suite that fails to load has no failed test but fails the run: count it too.
  if (status !== 0 && failed === 0) failed = 1;
  if (report.numPendingTests + report.numTodoTests > 0) {
    console.log(`${report.numPendingTests + report.numTodoTests} tests skipped: none may be left behind`);
    failed += 1;
  }
} catch {
  console.log("no vitest report was written");
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && status === 0 ? 0 : 1);
