// ESLint: the recommended rules of ESLint and typescript-eslint, plus the project's own structure rules:
// functions in src/ stay short, the layers of src/ import only downwards, and the main entry never
// imports from Node. Run by `npm test` (test/checks/lint.test.ts) and by `npm run lint`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The layers of src/, bottom to top. A file imports from its own layer and the layers below it only.
//   core/       public and resource-agnostic: errors, options and defaults, types, pagination, response info
//   internal/   private machinery: the transport, retries, validation, invoking an operation, waiting
//   resources/  sandboxes, snapshots, volumes and their files, the raw client
//   client.ts, index.ts   the `Porter` client and the entry
// src/local/ is the Node-only local server, an entry of its own: it may use core/ (the shared status
// codes) and generated/, and nothing of the main entry may use it.
// ESLint does not merge one rule's options across config objects (the last match wins), so each layer
// lists everything it may not import, `node:` included.
const layer = (files, forbidden, message) => ({
  files,
  rules: { "no-restricted-imports": ["error", { patterns: [{ group: forbidden, message }] }] },
});

export default tseslint.config(
  { ignores: ["dist/**", "docs/api/**", ".tmp/**", "node_modules/**", "generated/**", "test/fixtures/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        crypto: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        performance: "readonly",
        fetch: "readonly",
        Response: "readonly",
        AbortController: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        Blob: "readonly",
        ReadableStream: "readonly",
        Buffer: "readonly",
        globalThis: "readonly",
      },
    },
    rules: {
      // Unused names are an error, except ones that say they are unused on purpose (`_`).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      // A function reads top to bottom and does one thing: about fifty lines at most.
      "max-lines-per-function": ["error", { max: 50, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // A handle (`Sandbox`, `Volume`, `Snapshot`) is its record's fields plus bound methods: an interface of
    // the same name, extending the record type, declares the fields the constructor copies in.
    files: ["src/resources/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-declaration-merging": "off",
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
    },
  },
  {
    // Tests read JSON bodies of any shape, and match YAML by its indentation.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "no-regex-spaces": "off" },
  },
  layer(
    ["src/core/**"],
    ["../internal/*", "../resources/*", "../resources/**", "../client.js", "../index.js", "../local/*", "node:*"],
    "core/ is the bottom layer: it imports nothing from internal/, resources/, the client, the local server or node:",
  ),
  layer(
    ["src/internal/**"],
    ["../resources/*", "../resources/**", "../client.js", "../index.js", "../local/*", "node:*"],
    "internal/ imports only core/ and itself, and nothing from node:",
  ),
  layer(
    ["src/resources/**"],
    ["**/client.js", "**/index.js", "**/local/*", "node:*"],
    "resources/ import only core/, internal/ and each other, and nothing from node:",
  ),
  layer(
    ["src/*.ts"],
    ["./local/*", "node:*"],
    "the main entry runs in browsers and edge runtimes: nothing from node: or the local server",
  ),
  layer(
    ["src/local/**"],
    ["../internal/*", "../resources/*", "../resources/**", "../client.js", "../index.js"],
    "the local server uses only core/ and generated/ of the SDK",
  ),
);
