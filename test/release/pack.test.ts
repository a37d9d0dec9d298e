// What `npm pack` puts in the tarball is exactly what users need: the built entries with their types
// and source maps, the Node10 stub of the /local entry, README, LICENSE, CHANGELOG and package.json. No
// tests, sources, spec, fixtures or examples; and the README links only to what is in it. Prints the
// tarball's size.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { builtPackage, pkg, root, run } from "./helpers.js";

interface PackResult {
  name: string;
  version: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

/** Every file the tarball may hold, each matched by one pattern. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^CHANGELOG\.md$/,
  /^local\/package\.json$/,
  /^dist\/index\.(js|cjs|d\.ts|d\.cts)$/,
  /^dist\/index\.(js|cjs)\.map$/,
  /^dist\/local\/index\.(js|cjs|d\.ts|d\.cts)$/,
  /^dist\/local\/index\.(js|cjs)\.map$/,
  // The command (package.json "bin") is ESM only: nothing can reach a CommonJS build of it.
  /^dist\/local\/cli\.js(\.map)?$/,
];

/** Files the tarball must hold. */
const REQUIRED = [
  "package.json",
  "README.md",
  "LICENSE",
  "CHANGELOG.md",
  "local/package.json",
  "dist/index.js",
  "dist/index.cjs",
  "dist/index.d.ts",
  "dist/index.d.cts",
  "dist/local/index.js",
  "dist/local/index.cjs",
  "dist/local/index.d.ts",
  "dist/local/index.d.cts",
  "dist/local/cli.js",
];

let packed: PackResult;
let files: string[];

beforeAll(async () => {
  await builtPackage();
  const r = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { timeoutMs: 120_000 });
  expect(r.status, r.output).toBe(0);
  packed = (JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as PackResult[])[0]!;
  files = packed.files.map((f) => f.path).sort();
}, 180_000);

/** Every link target in a Markdown text: inline and image links, reference definitions, HTML href and src. */
function readmeLinks(markdown: string): string[] {
  const patterns = [
    /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
    /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm,
    /\b(?:href|src)="([^"]+)"/g,
  ];
  return patterns.flatMap((pattern) => [...markdown.matchAll(pattern)].map((m) => m[1]!));
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

describe("npm pack", () => {
  test("holds only the files users need, and reports the tarball size", () => {
    const largest = [...packed.files]
      .sort((a, b) => b.size - a.size)
      .slice(0, 5)
      .map((f) => `${f.path} ${kB(f.size)}`);
    console.log(
      `${packed.name}@${packed.version}: ${packed.entryCount} files, tarball ${kB(packed.size)}, unpacked ${kB(packed.unpackedSize)}; largest: ${largest.join(", ")}`,
    );
    expect(files.filter((f) => !ALLOWED.some((pattern) => pattern.test(f)))).toEqual([]);
    expect(REQUIRED.filter((f) => !files.includes(f))).toEqual([]);
    expect(packed.name).toBe("porter-sandbox");
    expect(packed.version).toBe(pkg.version);
  });

  test("every path `files` lists exists, so the tarball holds all it promises (CHANGELOG.md included)", () => {
    expect(pkg.files.filter((f) => !existsSync(path.join(root, f)))).toEqual([]);
    for (const listed of pkg.files)
      expect(
        files.some((f) => f === listed || f.startsWith(`${listed}/`)),
        listed,
      ).toBe(true);
  });

  test("every relative link in README.md (the page npm shows) opens a file in the tarball", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const targets = readmeLinks(readme).filter((target) => !/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(target));
    const missing = targets.filter((target) => !files.includes(path.posix.normalize(target.replace(/[#?].*$/, ""))));
    expect(missing).toEqual([]);
  });

  test("negative control: the link reader finds inline, image, reference and HTML links", () => {
    const text = '[a](docs/a.md) ![b](img/b.png "title") [c][ref] <a href="src/c.ts">c</a>\n[ref]: examples/\n';
    expect(readmeLinks(text).sort()).toEqual(["docs/a.md", "examples/", "img/b.png", "src/c.ts"]);
  });

  test("no tests, sources, spec, generated code, fixtures, examples or configuration", () => {
    const unwanted =
      /^(src|test|openapi|generated|examples|scripts|bench|docs|\.changeset|\.ci|\.tmp|node_modules)\/|tsconfig|vitest|tsup|redocly|typedoc|\.tgz$/;
    expect(files.filter((f) => unwanted.test(f))).toEqual([]);
  });

  test("every file package.json points at (exports, main, module, types, bin) is in the tarball", () => {
    const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as Record<string, unknown>;
    const targets = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === "string") targets.add(value.replace(/^\.\//, ""));
      else if (value && typeof value === "object") Object.values(value).forEach(collect);
    };
    collect(manifest.exports);
    collect([manifest.main, manifest.module, manifest.types, manifest.bin]);
    const localStub = JSON.parse(readFileSync(path.join(root, "local/package.json"), "utf8")) as Record<string, string>;
    for (const field of ["main", "module", "types"]) targets.add(path.posix.join("local", localStub[field]!));
    const missing = [...targets].filter((t) => !files.includes(path.posix.normalize(t)));
    expect(missing).toEqual([]);
    expect(targets.size).toBeGreaterThanOrEqual(10);
  });

  test("the bin is an executable script: it starts with a shebang", () => {
    const bin = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { bin: Record<string, string> })
      .bin;
    for (const file of Object.values(bin)) {
      expect(readFileSync(path.join(root, file), "utf8").startsWith("#!/usr/bin/env node"), file).toBe(true);
    }
  });

  test("source maps carry no absolute paths from the build machine", () => {
    for (const file of files.filter((f) => f.endsWith(".map"))) {
      const map = JSON.parse(readFileSync(path.join(root, file), "utf8")) as { sources: string[] };
      expect(
        map.sources.filter((s) => s.startsWith("/") || s.includes(root)),
        file,
      ).toEqual([]);
    }
  });
});

describe("npm pack from a fresh clone", () => {
  test("builds before packing (prepack), so the tarball ships a build of the sources it was packed from", async () => {
    const clone = mkdtempSync(path.join(tmpdir(), "porter-clone-"));
    try {
      // What a clone holds: the files git tracks (as this working tree has them), and no dist/.
      const tracked = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
      expect(tracked.status, tracked.output).toBe(0);
      for (const file of tracked.stdout.split("\0").filter((f) => f && existsSync(path.join(root, f)))) {
        mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
        cpSync(path.join(root, file), path.join(clone, file));
      }
      expect(existsSync(path.join(clone, "dist"))).toBe(false);
      // The dependencies as `npm ci` would install them: this repository's, linked (packing installs nothing).
      symlinkSync(path.join(root, "node_modules"), path.join(clone, "node_modules"), "dir");
      const packed = await run("npm", ["pack", "--pack-destination", clone], { cwd: clone, timeoutMs: 240_000 });
      expect(packed.status, packed.output).toBe(0);
      const tarball = path.join(clone, `${pkg.name}-${pkg.version}.tgz`);
      const listing = await run("tar", ["-tzf", tarball]);
      expect(listing.status, listing.output).toBe(0);
      const shipped = listing.stdout.split("\n").map((line) => line.replace(/^package\//, ""));
      expect(REQUIRED.filter((f) => !shipped.includes(f))).toEqual([]);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  }, 300_000);
});
