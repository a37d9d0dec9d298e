// Changesets: the check that a change to src/, openapi/ or generated/ comes with a changeset
// (.changeset/check.mjs), proven on throwaway git repositories, then run on this repository; and the
// version flow (.changeset/version.mjs) run on a copy of this package and its pending changesets.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { pkg, root } from "./helpers.js";

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

// Git that ignores this machine's configuration, with a fixed identity.
const gitEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd, env: gitEnv, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

function commitAll(dir: string, message: string): void {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--no-gpg-sign", "-m", message);
}

const changeset = (bump: string, summary: string, name = "porter-sandbox") =>
  `---\n"${name}": ${bump}\n---\n\n${summary}\n`;

/** A package repository on `main` with one released commit, carrying this repository's check script. */
function fixtureRepo(options: { branch?: string; withChangeset?: boolean } = {}): string {
  const dir = tempDir("changeset-check-");
  git(dir, "init", "-q", "-b", options.branch ?? "main");
  write(dir, "package.json", JSON.stringify({ name: "porter-sandbox", version: "0.1.0" }));
  cpSync(path.join(root, ".changeset/check.mjs"), path.join(dir, ".changeset/check.mjs"));
  cpSync(path.join(root, ".changeset/config.json"), path.join(dir, ".changeset/config.json"));
  cpSync(path.join(root, ".changeset/README.md"), path.join(dir, ".changeset/README.md"));
  write(dir, "src/index.ts", "export const a = 1;\n");
  write(dir, "src/version.ts", 'export const VERSION = "0.1.0";\n');
  write(dir, "openapi/spec.yaml", "openapi: 3.1.0\n");
  write(dir, "generated/schema.ts", "export {};\n");
  write(dir, "README.md", "# fixture\n");
  write(dir, ".gitignore", "node_modules/\n");
  if (options.withChangeset ?? true) write(dir, ".changeset/first.md", changeset("minor", "First release."));
  commitAll(dir, "initial");
  return dir;
}

function check(dir: string, ...args: string[]): { status: number; output: string } {
  const r = spawnSync(process.execPath, [path.join(dir, ".changeset/check.mjs"), ...args], {
    cwd: dir,
    env: gitEnv,
    encoding: "utf8",
  });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

describe("changeset check on a branch (compared with its merge base with main)", () => {
  test("a committed change to src/ without a changeset fails, naming the file; adding one passes", () => {
    const dir = fixtureRepo();
    git(dir, "switch", "-q", "-c", "feature");
    write(dir, "src/index.ts", "export const a = 2;\n");
    commitAll(dir, "change a");
    const without = check(dir);
    expect(without.status, without.output).toBe(1);
    expect(without.output).toContain("FAILED");
    expect(without.output).toContain("src/index.ts");
    expect(without.output).toContain("merge base with main");

    write(dir, ".changeset/brave-fox.md", changeset("patch", "`a` is 2 now."));
    commitAll(dir, "changeset");
    const withIt = check(dir);
    expect(withIt.output).toContain("described by .changeset/brave-fox.md");
    expect(withIt.status, withIt.output).toBe(0);
  });

  test("openapi/ and generated/ are watched too, uncommitted and untracked files included", () => {
    const dir = fixtureRepo();
    git(dir, "switch", "-q", "-c", "spec-change");
    write(dir, "openapi/spec.yaml", "openapi: 3.1.1\n"); // unstaged
    write(dir, "generated/new-file.ts", "export {};\n"); // untracked
    const without = check(dir);
    expect(without.status, without.output).toBe(1);
    expect(without.output).toContain("openapi/spec.yaml");
    expect(without.output).toContain("generated/new-file.ts");

    write(dir, ".changeset/spec.md", changeset("minor", "The spec moves to OpenAPI 3.1.1.")); // untracked
    const withIt = check(dir);
    expect(withIt.status, withIt.output).toBe(0);
  });

  test("changes outside src/, openapi/ and generated/ need no changeset, nor does src/version.ts", () => {
    const dir = fixtureRepo();
    git(dir, "switch", "-q", "-c", "docs");
    write(dir, "README.md", "# fixture, better documented\n");
    write(dir, "test/a.test.ts", "// a test\n");
    write(dir, "src/version.ts", 'export const VERSION = "0.2.0";\n');
    commitAll(dir, "docs and tests");
    const r = check(dir);
    expect(r.output).toContain("ok: nothing under src/, openapi/, generated/ changed");
    expect(r.status, r.output).toBe(0);
  });

  test("a changeset main already had does not cover the branch's change", () => {
    const dir = fixtureRepo({ withChangeset: true });
    git(dir, "switch", "-q", "-c", "feature");
    write(dir, "src/index.ts", "export const a = 3;\n");
    commitAll(dir, "change a");
    expect(check(dir).status).toBe(1);
  });

  test("--since compares with another ref", () => {
    const dir = fixtureRepo();
    git(dir, "switch", "-q", "-c", "release-1");
    git(dir, "switch", "-q", "-c", "feature");
    write(dir, "src/index.ts", "export const a = 4;\n");
    commitAll(dir, "change a");
    expect(check(dir, "--since", "release-1").status).toBe(1);
    expect(check(dir, "--since", "HEAD").status).toBe(0);
  });
});

describe("changeset check on main (compared with the last commit that added or removed a changeset)", () => {
  test("a commit after the last changeset fails; a new changeset passes", () => {
    const dir = fixtureRepo();
    expect(check(dir).status).toBe(0);
    write(dir, "src/index.ts", "export const a = 5;\n");
    commitAll(dir, "change a on main");
    const without = check(dir);
    expect(without.status, without.output).toBe(1);
    expect(without.output).toContain("last commit that added or removed a changeset");
    // The base commit is named once, as "(<10 hex digits>)".
    expect(without.output.match(/\([0-9a-f]{10}\)/g), without.output).toHaveLength(1);
    write(dir, ".changeset/main-change.md", changeset("patch", "`a` is 5."));
    commitAll(dir, "describe it");
    expect(check(dir).status).toBe(0);
  });

  test("a release (the changesets consumed, src/version.ts bumped) leaves nothing to describe", () => {
    const dir = fixtureRepo();
    unlinkSync(path.join(dir, ".changeset/first.md"));
    write(dir, "src/version.ts", 'export const VERSION = "0.2.0";\n');
    write(dir, "CHANGELOG.md", "## 0.2.0\n");
    commitAll(dir, "version packages");
    const r = check(dir);
    expect(r.status, r.output).toBe(0);
  });

  test("without a main and without any changeset ever, the whole history needs one", () => {
    const dir = fixtureRepo({ branch: "trunk", withChangeset: false });
    const without = check(dir);
    expect(without.status, without.output).toBe(1);
    expect(without.output).toContain("the start of the history");
    write(dir, ".changeset/first.md", changeset("minor", "First release."));
    expect(check(dir).status).toBe(0);
  });

  test("an empty changeset (`changeset --empty`) is accepted", () => {
    const dir = fixtureRepo();
    write(dir, "src/index.ts", "export const a = 6; // refactor\n");
    write(dir, ".changeset/refactor.md", "---\n---\n");
    expect(check(dir).status).toBe(0);
  });
});

describe("changeset check: malformed changesets fail", () => {
  for (const [what, text, complaint] of [
    ["another package's name", changeset("patch", "x", "porter-sdk"), 'names package "porter-sdk"'],
    ["an unknown bump", changeset("huge", "x"), 'bump "huge"'],
    ["no front matter", "just words\n", "no front matter"],
    ["no summary", '---\n"porter-sandbox": patch\n---\n', "says nothing for the changelog"],
  ] as const) {
    test(what, () => {
      const dir = fixtureRepo();
      git(dir, "switch", "-q", "-c", "feature");
      write(dir, "src/index.ts", "export const a = 7;\n");
      write(dir, ".changeset/bad.md", text);
      const r = check(dir);
      expect(r.status, r.output).toBe(1);
      expect(r.output).toContain(complaint);
    });
  }
});

describe("this repository", () => {
  test("passes its own changeset check", () => {
    const r = spawnSync(process.execPath, [path.join(root, ".changeset/check.mjs")], { cwd: root, encoding: "utf8" });
    const output = `${r.stdout}${r.stderr}`;
    expect(output).toMatch(/^changeset check: (ok|not checked: this is a shallow clone)/);
    expect(r.status, output).toBe(0);
  });

  test("config: base branch main, public access, the default changelog", () => {
    const config = JSON.parse(readFileSync(path.join(root, ".changeset/config.json"), "utf8"));
    expect(config).toMatchObject({
      baseBranch: "main",
      access: "public",
      changelog: "@changesets/cli/changelog",
      commit: false,
    });
  });

  test("the version flow on a copy: package.json, package-lock.json, src/version.ts and CHANGELOG.md move together", () => {
    const dir = tempDir("changeset-version-");
    for (const file of [
      "package.json",
      "package-lock.json",
      "src/version.ts",
      // The committed changelog (only its title until the first release): the flow writes below it.
      "CHANGELOG.md",
      ".changeset/config.json",
      ".changeset/version.mjs",
    ]) {
      cpSync(path.join(root, file), path.join(dir, file));
    }
    const pending = readdirSync(path.join(root, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md");
    for (const file of pending) cpSync(path.join(root, ".changeset", file), path.join(dir, ".changeset", file));
    // One more, so the flow is exercised even right after a release, when none are pending.
    write(dir, ".changeset/release-flow-fixture.md", changeset("patch", "Release-flow fixture entry."));
    symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");

    const bumps = [...pending.map((f) => readFileSync(path.join(root, ".changeset", f), "utf8")), "patch"]
      .map((text) => /"porter-sandbox":\s*(major|minor|patch)/.exec(text)?.[1] ?? "none")
      .filter((b) => b !== "none");
    const [major, minor, patch] = pkg.version.split(".").map(Number) as [number, number, number];
    const expected = bumps.includes("major")
      ? `${major + 1}.0.0`
      : bumps.includes("minor")
        ? `${major}.${minor + 1}.0`
        : `${major}.${minor}.${patch + 1}`;

    const r = spawnSync(process.execPath, [".changeset/version.mjs"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const versionOf = (file: string) => JSON.parse(readFileSync(path.join(dir, file), "utf8")).version;
    expect(versionOf("package.json")).toBe(expected);
    expect(versionOf("package-lock.json")).toBe(expected);
    expect(JSON.parse(readFileSync(path.join(dir, "package-lock.json"), "utf8")).packages[""].version).toBe(expected);
    expect(readFileSync(path.join(dir, "src/version.ts"), "utf8")).toContain(`export const VERSION = "${expected}";`);
    const changelog = readFileSync(path.join(dir, "CHANGELOG.md"), "utf8");
    expect(changelog).toMatch(new RegExp(`^# porter-sandbox\\n\\n## ${expected.replace(/\./g, "\\.")}\\n`));
    expect(changelog).toContain("Release-flow fixture entry.");
    for (const file of pending) {
      const text = readFileSync(path.join(root, ".changeset", file), "utf8");
      // An empty changeset (no package in its front matter) marks a change users cannot see: it is
      // consumed by the release but, by design, says nothing in the changelog.
      const empty = !/"porter-sandbox":/.test(text);
      const summary = text
        .slice(text.indexOf("---", 3) + 3)
        .trim()
        .split("\n")[0]!;
      if (!empty) expect(changelog).toContain(summary);
      else expect(changelog).not.toContain(summary);
      expect(existsSync(path.join(dir, ".changeset", file))).toBe(false);
    }
  }, 60_000);
});
