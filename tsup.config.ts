import { defineConfig } from "tsup";

// Two builds: the main entry is platform-neutral (Node, Bun, Deno, browsers, edge) and must not
// touch `node:`; the local server is Node-only and lives behind its own entry.
export default defineConfig([
  {
    entry: { index: "src/index.ts" },
    format: ["esm", "cjs"],
    platform: "neutral",
    target: "es2022",
    dts: true,
    clean: true,
    sourcemap: true,
    treeshake: true,
    splitting: false,
  },
  {
    entry: { "local/index": "src/local/index.ts", "local/cli": "src/local/cli.ts" },
    format: ["esm", "cjs"],
    platform: "node",
    target: "node20",
    dts: { entry: { "local/index": "src/local/index.ts" } },
    sourcemap: true,
    splitting: false,
  },
]);
