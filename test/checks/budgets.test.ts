// The deterministic performance budgets, checked on the built main entry (dist/, which `npm test` builds
// first): the quickstart's browser bundle stays within its 18 KiB gzipped ceiling, and
// nothing in it comes from Node. Timings are benchmarks (`node bench/run.mjs`), never asserted here.
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { BUNDLE_BUDGET_BYTES, browserBundle, quickstart, type BrowserBundle } from "../../bench/bundle-size.mjs";
import { root } from "../helpers/run.js";

const entry = path.join(root, "dist/index.js");
let bundle: BrowserBundle;

beforeAll(async () => {
  if (!existsSync(entry)) throw new Error("dist/index.js is missing: build first (npm run build, or npm test)");
  bundle = await browserBundle(quickstart(entry), root);
});

const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;

describe("budgets", () => {
  test("the quickstart's browser bundle (minified, everything included) stays within the CI budget, gzipped", () => {
    const largest = bundle.inputs
      .slice(0, 3)
      .map((i) => `${i.file} ${kib(i.bytes)} minified`)
      .join(", ");
    expect(
      bundle.gzipBytes,
      `the quickstart bundles to ${kib(bundle.gzipBytes)} gzipped (${bundle.gzipBytes} bytes; ${kib(bundle.bytes)} minified), ` +
        `over the budget of ${kib(BUNDLE_BUDGET_BYTES)} by ${bundle.gzipBytes - BUNDLE_BUDGET_BYTES} bytes. Largest inputs: ${largest}. ` +
        "See docs/performance.md for what it is made of.",
    ).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
  });

  test("the main entry's bundle imports no Node builtin, with or without node:", () => {
    expect(bundle.nodeImports, "Node builtins imported by the browser bundle").toEqual([]);
    expect(bundle.text, "a node: specifier left in the bundle").not.toMatch(/["'`]node:[a-z_/]+["'`]/);
  });
});
