// The tree passes the linter (ESLint: its recommended rules, typescript-eslint's, and the project's own:
// functions in src/ of at most fifty lines, layers of src/ that import only downwards, nothing from node:
// in the main entry) and is formatted as Prettier formats it. `npm run format` fixes what it can.
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { bin, root, runNode } from "../helpers/run.js";

const eslint = (...args: string[]) => runNode([bin("eslint/bin/eslint.js"), ...args]);

describe("lint and format", () => {
  test("ESLint finds nothing", () => {
    const { status, output } = eslint(".");
    expect(output.trim(), output).toBe("");
    expect(status).toBe(0);
  }, 120_000);

  test("Prettier finds nothing to reformat", () => {
    const { status, output } = runNode([bin("prettier/bin/prettier.cjs"), "--check", "."]);
    expect(status, output).toBe(0);
  }, 120_000);

  // The structure rules are only worth having if they fire: a planted file breaks each one.
  test.each([
    [
      "src/core/planted-lint-check.ts",
      'import { Transport } from "../internal/transport.js";\nexport const t = Transport;\n',
      "core/ is the bottom layer",
    ],
    [
      "src/internal/planted-lint-check.ts",
      'import { Porter } from "../client.js";\nexport const p = Porter;\n',
      "internal/ imports only core/",
    ],
    [
      "src/resources/planted-lint-check.ts",
      'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n',
      "nothing from node:",
    ],
    [
      "src/planted-lint-check.ts",
      `export function long(): number {\n  let n = 0;\n${"  n++;\n".repeat(60)}  return n;\n}\n`,
      "max-lines-per-function",
    ],
  ])("%s is refused: %s", (file, text, message) => {
    // Linted from standard input under that name: nothing is written into src/, where other checks read.
    const r = spawnSync(process.execPath, [bin("eslint/bin/eslint.js"), "--stdin", "--stdin-filename", file], {
      cwd: root,
      input: text,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(message);
  });
});
