// Consumer type tests: the package is packed (`npm pack`), the tarball installed once into a temporary
// directory, and small consumer projects there (test/fixtures/consumers/*) compile, with `strict` and
// `skipLibCheck: false`, a usage file (test/fixtures/consumers/shared/usage.ts) and every TypeScript
// block of README.md, extracted at test time so the README cannot drift from the types. Each project
// also proves which declaration files it resolved: "import" types (.d.ts) or "require" types (.d.cts).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { builtPackage, pkg, root, run, runTool, type RunResult } from "./helpers.js";

const fixtures = path.join(root, "test/fixtures/consumers");
const devDependencies = (
  JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { devDependencies: Record<string, string> }
).devDependencies;

/** Each consumer project, the declaration files its settings must resolve the two entries to, and, for
 * those that name their environment, whether it has the DOM lib and @types/node (proved from the files
 * tsc loaded, so that a fixture cannot silently compile with more than it says). */
const projects: readonly { name: string; main: string; local: string; dom?: boolean; node?: boolean }[] = [
  { name: "nodenext-esm", main: "dist/index.d.ts", local: "dist/local/index.d.ts" },
  { name: "nodenext-cjs", main: "dist/index.d.cts", local: "dist/local/index.d.cts" },
  { name: "bundler", main: "dist/index.d.ts", local: "dist/local/index.d.ts" },
  { name: "commonjs-node10-interop", main: "dist/index.d.cts", local: "dist/local/index.d.cts" },
  { name: "commonjs-node10", main: "dist/index.d.cts", local: "dist/local/index.d.cts" },
  // A Node project with `lib: ["ES2022"]` and @types/node: no DOM, so no DOM-only name (BodyInit) in our types.
  { name: "node-es2022", main: "dist/index.d.ts", local: "dist/local/index.d.ts", dom: false, node: true },
  // A browser project with `lib: ["ES2022", "DOM"]` and no @types/node.
  { name: "browser", main: "dist/index.d.ts", local: "dist/local/index.d.ts", dom: true, node: false },
];

interface Block {
  section: string;
  code: string;
}

/** The ```ts blocks of a Markdown text, with the section (## heading) each is in. */
export function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let section = "top";
  const fence = /^```(\w*)\s*$/;
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("## ")) section = line.slice(3).trim();
    const open = fence.exec(line);
    if (!open) continue;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (["ts", "typescript"].includes(open[1]!)) blocks.push({ section, code: body.join("\n") });
  }
  return blocks;
}

/**
 * A README block as a module that compiles on its own: its import lines stay on top; names it uses
 * without defining (`porter`, `sandbox`, `volume`) are declared; exports of the package it uses without
 * importing are imported; the rest runs inside an async function (no top-level await in CommonJS).
 */
export function asModule(block: Block, index: number, valueExports: readonly string[]): string {
  const lines = block.code.split("\n");
  const imports = lines.filter((l) => /^import\s/.test(l));
  const body = lines.filter((l) => !/^import\s/.test(l));
  const imported = new Set(
    imports.flatMap((l) => (/\{([^}]*)\}/.exec(l)?.[1] ?? "").split(",").map((n) => n.trim().replace(/^type\s+/, ""))),
  );
  const used = valueExports.filter((name) => !imported.has(name) && new RegExp(`\\b${name}\\b`).test(body.join("\n")));
  return [
    `// README.md, section "${block.section}", TypeScript block ${index + 1}: extracted by test/release/consumers.test.ts.`,
    ...(used.length > 0 ? [`import { ${used.join(", ")} } from "porter-sandbox";`] : []),
    ...imports,
    `import type { Porter as ReadmePorter, Sandbox as ReadmeSandbox, Volume as ReadmeVolume } from "porter-sandbox";`,
    "declare const porter: ReadmePorter;",
    "declare const sandbox: ReadmeSandbox;",
    "declare const volume: ReadmeVolume;",
    `export async function readmeBlock${index + 1}(): Promise<void> {`,
    ...body.map((l) => (l ? `  ${l}` : l)),
    "}",
    "",
  ].join("\n");
}

let dir: string;
let valueExports: string[];
let blocks: Block[];
/** Each project's compile, started in beforeAll, at most two at a time (the machines have two cores). */
const compiles = new Map<string, Promise<RunResult>>();

/** A block that misuses the API: a negative control, proving a README mistake fails the test. */
const broken: Block = {
  section: "Broken",
  code: 'await porter.sandboxes.create({ image: "alpine", ttl_seconds: "ten minutes" });',
};

/** Copies a consumer project into the install directory (as `as`), with the usage file unless only
 * `onlyBlocks` are wanted, and README blocks as modules under readme/. */
function setUpProject(name: string, as = name, onlyBlocks?: Block[]): string {
  const project = path.join(dir, as);
  rmSync(project, { recursive: true, force: true });
  cpSync(path.join(fixtures, name), project, { recursive: true });
  mkdirSync(path.join(project, "src"), { recursive: true });
  if (!onlyBlocks) cpSync(path.join(fixtures, "shared/usage.ts"), path.join(project, "src/usage.ts"));
  mkdirSync(path.join(project, "readme"), { recursive: true });
  (onlyBlocks ?? blocks).forEach((block, i) => {
    const slug = block.section
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "");
    writeFileSync(
      path.join(project, "readme", `block-${String(i + 1).padStart(2, "0")}-${slug}.ts`),
      asModule(block, i, valueExports),
    );
  });
  return project;
}

const tsc = (project: string): Promise<RunResult> =>
  runTool("typescript/bin/tsc", ["-p", project, "--pretty", "false", "--listFiles"], {
    cwd: project,
    timeoutMs: 120_000,
  });

/** tsc's diagnostics: its output without the --listFiles lines. */
const diagnostics = (r: RunResult) =>
  r.stdout
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("/"))
    .join("\n");

beforeAll(async () => {
  await builtPackage();
  dir = mkdtempSync(path.join(tmpdir(), "porter-consumers-"));
  const packed = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], {
    timeoutMs: 120_000,
  });
  expect(packed.status, packed.output).toBe(0);
  const tarball = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string }[])[0]!.filename;
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumers", private: true }));
  // One install for every project: they sit in subdirectories and resolve this node_modules.
  const installed = await run(
    "npm",
    [
      "install",
      "--no-save",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      path.join(dir, path.basename(tarball)),
      `@types/node@${devDependencies["@types/node"]}`,
    ],
    { cwd: dir, timeoutMs: 180_000 },
  );
  expect(installed.status, installed.output).toBe(0);
  valueExports = Object.keys(await import(pathToFileURL(path.join(root, "dist/index.js")).href));
  blocks = codeBlocks(readFileSync(path.join(root, "README.md"), "utf8"));
  const queue: { key: string; project: string; only?: Block[] }[] = [
    ...projects.map((p) => ({ key: p.name, project: p.name })),
    { key: "negative", project: "bundler", only: [blocks[0]!, broken] },
  ];
  const slots = [Promise.resolve(), Promise.resolve()];
  queue.forEach((job, i) => {
    const project = setUpProject(job.project, job.key, job.only);
    const compile = slots[i % 2]!.then(() => tsc(project));
    slots[i % 2] = compile.then(
      () => undefined,
      () => undefined,
    );
    compiles.set(job.key, compile);
  });
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("consumer projects compile the README and the usage file against the packed tarball", () => {
  test("the installed package is the tarball, not a link to this repository", () => {
    const installed = JSON.parse(readFileSync(path.join(dir, "node_modules/porter-sandbox/package.json"), "utf8")) as {
      version: string;
    };
    expect(installed.version).toBe(pkg.version);
    expect(readdirSync(path.join(dir, "node_modules/porter-sandbox")).sort()).not.toContain("src");
  });

  test("the README has TypeScript blocks to compile, each turned into a module", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(blocks.map((b) => b.section)).toEqual(expect.arrayContaining(["Quick start", "The client"]));
  });

  for (const project of projects) {
    test(`${project.name}: strict, skipLibCheck false, no errors; resolves ${project.main} and ${project.local}`, async () => {
      const r = await compiles.get(project.name)!;
      expect(diagnostics(r)).toBe("");
      expect(r.status, r.output).toBe(0);
      const loaded = r.stdout
        .split("\n")
        .filter((l) => l.includes("/node_modules/porter-sandbox/"))
        .map((l) => l.slice(l.indexOf("/node_modules/porter-sandbox/") + "/node_modules/porter-sandbox/".length));
      expect(loaded.sort()).toEqual([project.main, project.local].sort());
      const files = r.stdout.split("\n");
      if (project.dom !== undefined)
        expect(files.some((f) => f.endsWith("/typescript/lib/lib.dom.d.ts"))).toBe(project.dom);
      if (project.node !== undefined)
        expect(files.some((f) => f.includes("/node_modules/@types/node/"))).toBe(project.node);
    }, 120_000);
  }

  test("negative control: a README block that misuses the API fails to compile, naming the block", async () => {
    const r = await compiles.get("negative")!;
    expect(r.status).not.toBe(0);
    expect(diagnostics(r)).toMatch(/readme\/block-\d+-broken\.ts\(\d+,\d+\): error TS2322/);
  }, 120_000);
});
