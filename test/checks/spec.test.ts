// The spec is the source of truth: it lints clean under a strict ruleset, generated/ matches it, and
// the guards around both actually fire (a planted fault must fail them).
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { bin, root, runNode } from "../helpers/run.js";

const spec = readFileSync(path.join(root, "openapi/porter-sandbox.yaml"), "utf8");
const redocly = bin("@redocly/cli/bin/cli.js");
function lint(file: string): { status: number; errors: number; warnings: number; problems: string } {
  const { status, output } = runNode([
    redocly,
    "lint",
    file,
    "--config",
    path.join(root, "redocly.yaml"),
    "--format",
    "json",
  ]);
  const report = JSON.parse(output.slice(output.indexOf("{"), output.lastIndexOf("}") + 1));
  const problems = report.problems
    .map((p: { ruleId: string; message: string }) => `${p.ruleId}: ${p.message}`)
    .join("\n");
  return { status, errors: report.totals.errors, warnings: report.totals.warnings, problems };
}
const tmp = () => mkdtempSync(path.join(tmpdir(), "porter-spec-"));

describe("spec lint", () => {
  test("lints with zero errors and zero warnings", () => {
    const result = lint(path.join(root, "openapi/porter-sandbox.yaml"));
    expect(result.problems).toBe("");
    expect([result.errors, result.warnings]).toEqual([0, 0]);
    expect(result.status).toBe(0);
  });

  test("an example that breaks its schema fails the lint", () => {
    const file = path.join(tmp(), "spec.yaml");
    // The exec request's first example: a command must be an array of strings.
    const broken = spec.replace("command: [python, -c, print('hi')]", "command: not-an-array");
    expect(broken).not.toBe(spec);
    writeFileSync(file, broken);
    const result = lint(file);
    expect(result.status).not.toBe(0);
    expect(result.problems).toMatch(/no-invalid-media-type-examples/);
  });
});

describe("codegen", () => {
  const codegen = path.join(root, "scripts/codegen.mjs");

  test("generated/ matches the spec", () => {
    const { status, output } = runNode([codegen, "--check"]);
    expect(output).toContain("generated/ matches");
    expect(status).toBe(0);
  });

  test("changing one constraint without regenerating fails the check; regenerating fixes it", () => {
    const dir = tmp();
    cpSync(path.join(root, "generated"), path.join(dir, "generated"), { recursive: true });
    const file = path.join(dir, "spec.yaml");
    writeFileSync(file, spec.replace("maxProperties: 16", "maxProperties: 17"));
    const stale = runNode([codegen, "--check", "--spec", file, "--out", path.join(dir, "generated")]);
    expect(stale.status).toBe(1);
    expect(stale.output).toContain("request-rules.ts");
    expect(runNode([codegen, "--spec", file, "--out", path.join(dir, "generated")]).status).toBe(0);
    expect(runNode([codegen, "--check", "--spec", file, "--out", path.join(dir, "generated")]).status).toBe(0);
    expect(readFileSync(path.join(dir, "generated/request-rules.ts"), "utf8")).toContain('"maxProperties": 17');
  });

  // Each case edits the spec into something src/internal/validate.ts would check wrongly; codegen must refuse it,
  // saying why.
  test.each([
    [
      "a keyword the validator cannot check",
      /(\n    ExecRequest:\n)/,
      "$1      oneOf: [{ type: object }]\n",
      'may not use "oneOf"',
    ],
    [
      'a lower length bound other than 1 (reported as "must not be empty")',
      /(\n    Name:\n(?:.*\n)*?      minLength: )1/,
      "$12",
      "minLength may only be 1",
    ],
    [
      "a request rule that says not where it comes from",
      /(\n    Name:\n(?:.*\n)*?)      x-source: porter-models\n/,
      "$1",
      "Name: minLength, maxLength, pattern needs an x-source",
    ],
    [
      "an extension rule that says not why",
      /(\n    Id:\n(?:.*\n)*?)      x-porter-sandbox-extension: .*\n/,
      "$1",
      'Id: a rule with x-source "extension" needs x-porter-sandbox-extension',
    ],
    [
      "an optional JSON request body (treated as required)",
      /(\n  \/v1\/sandbox\/run:\n(?:.*\n)*?      requestBody:\n        required: )true/,
      "$1false",
      "createSandbox: a JSON request body must be required",
    ],
  ])("refuses %s", (_what, pattern, replacement, message) => {
    const dir = tmp();
    const file = path.join(dir, "spec.yaml");
    const edited = spec.replace(pattern, replacement);
    expect(edited).not.toBe(spec);
    writeFileSync(file, edited);
    const { status, output } = runNode([codegen, "--spec", file, "--out", path.join(dir, "out")]);
    expect(status).not.toBe(0);
    expect(output).toContain(message);
  });

  test("every generated file is headed as generated and not to be edited", () => {
    for (const name of ["schema.ts", "request-rules.ts"]) {
      expect(readFileSync(path.join(root, "generated", name), "utf8").split("\n")[0]).toMatch(
        /Generated by scripts\/codegen\.mjs.*DO NOT EDIT/,
      );
    }
  });
});
