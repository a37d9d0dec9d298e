import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  // Tests that show user code (the seed's and README's examples) import the package by its name.
  resolve: {
    alias: [
      { find: /^porter-sandbox\/local$/, replacement: src("local/index.ts") },
      { find: /^porter-sandbox$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here and in CI: a few workers keep socket tests from starving each other.
    maxWorkers: 3,
  },
});
