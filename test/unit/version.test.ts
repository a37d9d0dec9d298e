// The User-Agent's version is the package's: the release flow writes both, this keeps them equal.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { VERSION } from "../../src/version.js";

test("VERSION equals package.json's version", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  expect(VERSION).toBe(pkg.version);
  expect(VERSION).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
});
