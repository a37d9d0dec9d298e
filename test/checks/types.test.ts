// Type checks as tests: the main entry compiles strictly with no Node types (it must run anywhere),
// the type assertions in test/types hold, and everything else (tests, local server, scripts) compiles.
import { describe, expect, test } from "vitest";
import { bin, runNode } from "../helpers/run.js";

const tsc = (project: string) => runNode([bin("typescript/bin/tsc"), "-p", project, "--pretty", "false"]);

describe("types", () => {
  test("the main entry and the raw-client type assertions compile strictly without Node types", () => {
    const { status, output } = tsc("tsconfig.types.json");
    expect(output).toBe("");
    expect(status).toBe(0);
  });

  test("tests, local server, benchmarks and scripts compile", () => {
    const { status, output } = tsc("tsconfig.node.json");
    expect(output).toBe("");
    expect(status).toBe(0);
  });
});
