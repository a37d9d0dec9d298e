import { defineConfig } from "tsup";

// `await using` needs the disposable symbols in the consumer's lib; say so in every .d.ts so that
// projects without @types/node or an esnext lib still compile against our types.
const disposable = '/// <reference lib="esnext.disposable" />';

// The main entry is platform-neutral (Node, Bun, Deno, browsers, edge) and must not touch `node:`;
// the local server is Node-only, behind its own entry; its CLI is ESM only (the bin points there).
export default defineConfig([
  {
    entry: { index: "src/index.ts" },
    format: ["esm", "cjs"],
    platform: "neutral",
    // openapi-fetch's runtime (6 KB) is bundled: one module to load instead of resolving a package.
    noExternal: ["openapi-fetch"],
    target: "es2022",
    dts: { banner: disposable },
    clean: true,
    sourcemap: true,
    treeshake: true,
    splitting: false,
  },
  {
    entry: { "local/index": "src/local/index.ts" },
    format: ["esm", "cjs"],
    platform: "node",
    target: "node20",
    dts: { banner: disposable },
    sourcemap: true,
    splitting: false,
  },
  {
    entry: { "local/cli": "src/local/cli.ts" },
    format: ["esm"],
    platform: "node",
    target: "node20",
    sourcemap: true,
    splitting: false,
  },
]);
