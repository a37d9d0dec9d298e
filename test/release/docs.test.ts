// The API reference: TypeDoc builds it from the TSDoc comments of both entries (typedoc.json, the same
// settings as `npm run docs`, written to a temporary directory instead of docs/api) with zero warnings
// (broken links, types used in the API but not exported), and every public symbol is documented: each
// export of `porter-sandbox` and `porter-sandbox/local` has a summary and an `@example`, and each public
// member of those exports has a summary. The spec's generated wire types (`paths`, `components`,
// `operations`) are exempt: their documentation is the spec's, carried over by codegen.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { root, runTool, type RunResult } from "./helpers.js";

interface Comment {
  summary?: { text: string }[];
  blockTags?: { tag: string }[];
}
interface Reflection {
  name: string;
  kind: number;
  comment?: Comment;
  signatures?: Reflection[];
  getSignature?: Reflection;
  setSignature?: Reflection;
  children?: Reflection[];
  inheritedFrom?: unknown;
  type?: { type: string; declaration?: Reflection; types?: { type: string; declaration?: Reflection }[] };
}

const KIND = { Class: 128, Interface: 256, TypeAlias: 2097152, Constructor: 512 } as const;
const GENERATED = new Set(["paths", "components", "operations", "webhooks", "$defs"]);

let dir: string;
let result: RunResult;
let modules: Reflection[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "porter-typedoc-"));
  // Warnings are asserted below rather than made fatal here, so that the JSON is written either way.
  result = await runTool(
    "typedoc/bin/typedoc",
    [
      "--options",
      path.join(root, "typedoc.json"),
      "--treatWarningsAsErrors",
      "false",
      "--out",
      path.join(dir, "html"),
      "--json",
      path.join(dir, "api.json"),
    ],
    { timeoutMs: 240_000 },
  );
  if (existsSync(path.join(dir, "api.json")))
    modules = (JSON.parse(readFileSync(path.join(dir, "api.json"), "utf8")) as Reflection).children ?? [];
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const text = (c: Comment | undefined) =>
  (c?.summary ?? [])
    .map((p) => p.text)
    .join("")
    .trim();
const own = (r: Reflection | undefined): Reflection[] =>
  r ? [r, ...(r.signatures ?? []), ...(r.getSignature ? [r.getSignature] : [])] : [];
const hasSummary = (r: Reflection) => own(r).some((x) => text(x.comment) !== "");
const hasExample = (r: Reflection) =>
  own(r).some((x) => (x.comment?.blockTags ?? []).some((t) => t.tag === "@example"));

/** The public members of an export: a class's or interface's, or those of a type alias's object type. */
function membersOf(r: Reflection): Reflection[] {
  const literal = [r.type?.declaration, ...(r.type?.types ?? []).map((t) => t.declaration)].filter(
    (d): d is Reflection => d !== undefined,
  );
  const members =
    r.kind === KIND.Class || r.kind === KIND.Interface
      ? (r.children ?? [])
      : r.kind === KIND.TypeAlias
        ? literal.flatMap((d) => d.children ?? [])
        : [];
  return members.filter((m) => m.kind !== KIND.Constructor && m.inheritedFrom === undefined);
}

function exportsOf(): { module: string; reflection: Reflection }[] {
  return modules.flatMap((m) =>
    (m.children ?? []).filter((r) => !GENERATED.has(r.name)).map((reflection) => ({ module: m.name, reflection })),
  );
}

describe("API reference (TypeDoc)", () => {
  test("builds from typedoc.json with zero warnings, and renders a page per class", () => {
    const problems = result.output.split("\n").filter((l) => /\[(warning|error)\]/.test(l));
    expect(problems).toEqual([]);
    expect(result.status, result.output).toBe(0);
    expect(existsSync(path.join(dir, "html/index.html"))).toBe(true);
    // With two entry points TypeDoc names class pages after their module.
    expect(existsSync(path.join(dir, "html/classes/index.Porter.html"))).toBe(true);
  });

  test("documents both entries of the package: porter-sandbox and porter-sandbox/local", () => {
    const config = JSON.parse(readFileSync(path.join(root, "typedoc.json"), "utf8")) as {
      entryPoints: string[];
      out: string;
    };
    expect(config.entryPoints).toEqual(["src/index.ts", "src/local/index.ts"]);
    expect(config.out).toBe("docs/api");
    const names = exportsOf().map((e) => e.reflection.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "Porter",
        "Sandbox",
        "Volume",
        "createRawClient",
        "VERSION",
        "startLocalServer",
        "LocalServer",
      ]),
    );
  });

  test("every export has a summary", () => {
    const missing = exportsOf()
      .filter((e) => !hasSummary(e.reflection))
      .map((e) => `${e.module}.${e.reflection.name}`);
    expect(missing).toEqual([]);
  });

  test("every export has an @example", () => {
    const missing = exportsOf()
      .filter((e) => !hasExample(e.reflection))
      .map((e) => `${e.module}.${e.reflection.name}`);
    expect(missing).toEqual([]);
  });

  test("every public member of an export has a summary", () => {
    const missing = exportsOf().flatMap((e) =>
      membersOf(e.reflection)
        .filter((m) => !hasSummary(m))
        .map((m) => `${e.module}.${e.reflection.name}.${m.name}`),
    );
    expect(missing).toEqual([]);
  });

  test("negative control: the checks see a symbol without docs", () => {
    const bare: Reflection = {
      name: "Bare",
      kind: KIND.Class,
      children: [{ name: "method", kind: 2048, signatures: [{ name: "method", kind: 4096 }] }],
    };
    expect(hasSummary(bare)).toBe(false);
    expect(hasExample(bare)).toBe(false);
    expect(
      membersOf(bare)
        .filter((m) => !hasSummary(m))
        .map((m) => m.name),
    ).toEqual(["method"]);
    const porter = exportsOf().find((e) => e.reflection.name === "Porter")!.reflection;
    expect(membersOf(porter).map((m) => m.name)).toEqual(
      expect.arrayContaining(["sandboxes", "volumes", "raw", "close"]),
    );
  });
});
