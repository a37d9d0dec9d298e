// Builds the main entry for the benchmarks with the project's own tsup config (the `index` entry of
// tsup.config.ts), into .tmp/bench/dist rather than dist/: other processes' tests read dist/, and the
// benchmarks must measure the current src. Same code as `npx tsup` emits, without the .d.ts files.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { transform } from "esbuild";

export const root = path.resolve(import.meta.dirname, "..");
export const work = path.join(root, ".tmp/bench");
export const benchDist = path.join(work, "dist");

/** The tsup options of the build that emits `index`, as tsup.config.ts declares them. */
async function mainConfig() {
  mkdirSync(work, { recursive: true });
  const { code } = await transform(readFileSync(path.join(root, "tsup.config.ts"), "utf8"), {
    loader: "ts",
    format: "esm",
  });
  const file = path.join(work, "tsup.config.mjs");
  writeFileSync(file, code);
  const configs = [(await import(pathToFileURL(file).href)).default].flat();
  const main = configs.find((c) => c.entry && !Array.isArray(c.entry) && "index" in c.entry);
  if (!main) throw new Error("tsup.config.ts has no build with an `index` entry");
  return main;
}

/** Builds ESM and CJS of the main entry; returns the path of the ESM file. */
export async function buildMain({ quiet = true } = {}) {
  const { build } = await import("tsup");
  const config = await mainConfig();
  const entry = Object.fromEntries(Object.entries(config.entry).map(([k, v]) => [k, path.join(root, v)]));
  await build({ ...config, entry, config: false, outDir: benchDist, dts: false, silent: quiet, clean: true });
  return path.join(benchDist, "index.js");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const t = performance.now();
  console.log(await buildMain(), `${Math.round(performance.now() - t)} ms`);
}
