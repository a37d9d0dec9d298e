// What users ship is minified by their bundler, which renames classes: the SDK's errors must still say
// what they are (`error.name`, the first line of `String(error)`) there, not "e" or "Ne".
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { expect, test } from "vitest";
import { root } from "../helpers/run.js";

test("every error class keeps its name in a minified bundle of the main entry", async () => {
  const result = await build({
    stdin: {
      contents: `export * from ${JSON.stringify(path.join(root, "src/index.ts"))};`,
      resolveDir: root,
      loader: "js",
    },
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  expect(result.outputFiles[0]!.text, "the bundle must not read names from the (renamed) classes").not.toContain(
    "new.target.name",
  );
  const file = path.join(root, ".tmp/minified/index.mjs");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, result.outputFiles[0]!.contents);
  const sdk = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const errorClasses = Object.entries(sdk).filter(
    (entry): entry is [string, new (message: string, init?: object) => Error] =>
      typeof entry[1] === "function" && (entry[1] as { prototype?: unknown }).prototype instanceof Error,
  );
  expect(errorClasses.map(([name]) => name)).toEqual(
    expect.arrayContaining([
      "SandboxError",
      "NotFoundError",
      "ValidationError",
      "VolumeInUseError",
      "SandboxNotRunningError",
    ]),
  );
  for (const [name, ErrorClass] of errorClasses) {
    expect(ErrorClass.prototype.name, `${name}.prototype.name`).toBe(name);
  }
  const NotFound = sdk.NotFoundError as new (message: string, init?: object) => Error;
  expect(String(new NotFound("404 not_found: sandbox not found", { statusCode: 404 }))).toBe(
    "NotFoundError: 404 not_found: sandbox not found",
  );
});
