// The built package as users get it: lint-clean exports (publint), types that resolve under every
// module setting (attw), a main entry that bundles for the browser with nothing from `node:`.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, test } from "vitest";
import { bin, root, runNode } from "../helpers/run.js";

describe("package", () => {
  test("publint finds nothing, strict mode", () => {
    const { status, output } = runNode([bin("publint/src/cli.js"), "--strict", root]);
    expect(output).not.toMatch(/warning|error|suggestion/i);
    expect(status).toBe(0);
  });

  test("attw: types resolve for every entry under node10, node16 (CJS and ESM) and bundler", () => {
    const { status, output } = runNode([
      bin("@arethetypeswrong/cli/dist/index.js"),
      "--pack",
      root,
      "--format",
      "json",
    ]);
    const report = JSON.parse(output.slice(output.indexOf("{")));
    const problems = report.analysis?.problems ?? [];
    expect(problems).toEqual([]);
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual([".", "./local", "./package.json"]);
    expect(status).toBe(0);
  }, 120_000);

  test("the main entry bundles for the browser platform, with no node: import and no Node globals", async () => {
    const result = await build({
      entryPoints: [path.join(root, "dist/index.js")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(
      imports.filter((p) => p.startsWith("node:") || ["fs", "path", "http", "crypto", "buffer"].includes(p)),
    ).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\bBuffer\.|\brequire\(/);
  });

  test("the main entry's source imports nothing from node:", () => {
    // Every file of the main entry, in every layer; src/local/ is the Node-only entry.
    const files = (readdirSync(path.join(root, "src"), { recursive: true }) as string[]).filter(
      (file) => file.endsWith(".ts") && !file.startsWith(`local${path.sep}`),
    );
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      expect(readFileSync(path.join(root, "src", file), "utf8"), file).not.toMatch(/from "node:|require\("node:/);
    }
  });
});
