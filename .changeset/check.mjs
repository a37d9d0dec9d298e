#!/usr/bin/env node
// `npm run changeset:check`: fails when src/, openapi/ or generated/ changed without a changeset.
//
// What "changed" is compared with (the base):
//   - `--since <ref>`: the merge base of HEAD and <ref>.
//   - on a branch (HEAD is not main's tip, and `main` or `origin/main` exists): the merge base of HEAD
//     and main, i.e. everything the branch would bring to main.
//   - on main itself, or without a main: the last commit that added or removed a changeset (a change
//     was described, or a release consumed the descriptions); if none ever did, the whole history.
// Committed, staged, unstaged and untracked files all count, so it can be run before committing.
// Passing needs a changeset (.changeset/*.md other than README.md) added or edited since the base; every
// pending changeset must also be well formed. src/version.ts is not watched: the release flow writes it.
// In a shallow clone whose visible history holds no base, it says so and does not fail.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WATCHED = ["src/", "openapi/", "generated/"];
const UNWATCHED = new Set(["src/version.ts"]);
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const BUMPS = new Set(["patch", "minor", "major"]);

function git(args, { allowFail = false } = {}) {
  const r = spawnSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && !allowFail) {
    console.error(`changeset check: git ${args.join(" ")} failed:\n${r.stderr || r.error}`);
    process.exit(2);
  }
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const lines = (text) => (text ? text.split("\n").filter(Boolean) : []);
const isChangeset = (file) => /^\.changeset\/[^/]+\.md$/.test(file) && !/^\.changeset\/README\.md$/i.test(file);
const short = (sha) => (sha === EMPTY_TREE ? "the start of the history" : sha.slice(0, 10));

function parseArgs(argv) {
  const args = { since: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--since" && argv[i + 1]) args.since = argv[++i];
    else if (argv[i]?.startsWith("--since=")) args.since = argv[i].slice("--since=".length);
    else {
      console.error(`usage: node .changeset/check.mjs [--since <ref>]`);
      process.exit(2);
    }
  }
  return args;
}

/** The commit (or tree) the working tree is compared with, and why. */
function findBase(since) {
  if (since) {
    const base = git(["merge-base", "HEAD", since], { allowFail: true });
    if (!base) {
      console.error(`changeset check: no merge base of HEAD and ${since}`);
      process.exit(2);
    }
    return { base, why: `the merge base with ${since}` };
  }
  const head = git(["rev-parse", "--verify", "--quiet", "HEAD"], { allowFail: true });
  if (!head) return { base: EMPTY_TREE, why: "the start of the history (no commit yet)" };
  for (const ref of ["refs/heads/main", "refs/remotes/origin/main"]) {
    const main = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { allowFail: true });
    if (!main) continue;
    if (main === head) break;
    const base = git(["merge-base", "HEAD", main], { allowFail: true });
    if (base) return { base, why: `the merge base with ${ref.replace(/^refs\/(heads|remotes)\//, "")}` };
  }
  // On main (or no main): the last commit that added or removed a changeset.
  const log = lines(
    git(["log", "--format=commit %H", "--diff-filter=AD", "--name-only", "--no-renames", "--", ".changeset"]),
  );
  let commit;
  for (const line of log) {
    if (line.startsWith("commit ")) commit = line.slice("commit ".length);
    else if (isChangeset(line)) return { base: commit, why: "the last commit that added or removed a changeset" };
  }
  if (git(["rev-parse", "--is-shallow-repository"]) === "true") return { base: undefined, why: "shallow" };
  return { base: EMPTY_TREE, why: "the start of the history (no changeset was ever added)" };
}

/** Problems with one changeset file, or [] if it is well formed. */
function problemsOf(file, packageName) {
  const text = readFileSync(path.join(root, file), "utf8").replace(/\r\n/g, "\n");
  const match = /^---\n([\s\S]*?)\n?---\n?([\s\S]*)$/.exec(text);
  if (!match)
    return [`${file}: no front matter (it starts with a line "---", then "\\"${packageName}\\": patch", then "---")`];
  const problems = [];
  const releases = lines(match[1]).filter((line) => line.trim() !== "");
  for (const line of releases) {
    const release = /^\s*(["']?)([^"':]+)\1\s*:\s*(\S+)\s*$/.exec(line);
    if (!release) problems.push(`${file}: cannot read the front matter line ${JSON.stringify(line)}`);
    else if (release[2] !== packageName)
      problems.push(
        `${file}: names package ${JSON.stringify(release[2])}; this package is ${JSON.stringify(packageName)}`,
      );
    else if (!BUMPS.has(release[3]))
      problems.push(`${file}: bump ${JSON.stringify(release[3])} is not patch, minor or major`);
  }
  if (releases.length > 0 && match[2].trim() === "")
    problems.push(`${file}: says nothing for the changelog: write what changed for users below the front matter`);
  return problems;
}

const { since } = parseArgs(process.argv.slice(2));
if (git(["rev-parse", "--is-inside-work-tree"], { allowFail: true }) !== "true") {
  console.error(`changeset check: ${root} is not in a git work tree`);
  process.exit(2);
}
const packageName = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).name;

// Every pending changeset must be readable by `changeset version`.
const pending = existsSync(path.join(root, ".changeset"))
  ? readdirSync(path.join(root, ".changeset"))
      .map((f) => `.changeset/${f}`)
      .filter(isChangeset)
  : [];
const malformed = pending.flatMap((file) => problemsOf(file, packageName));
if (malformed.length > 0) {
  console.error(`changeset check: FAILED: malformed changesets:\n${malformed.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}

const { base, why } = findBase(since);
if (base === undefined) {
  console.log(
    "changeset check: not checked: this is a shallow clone and its history holds no changeset to compare with; fetch the history (git fetch --unshallow) or pass --since <ref>",
  );
  process.exit(0);
}

// Against the working tree: committed, staged and unstaged changes; then untracked files.
const changed = new Set([
  ...lines(git(["diff", "--name-only", "--no-renames", "--relative", base])),
  ...lines(git(["ls-files", "--others", "--exclude-standard"])),
]);
const watched = [...changed].filter((f) => WATCHED.some((dir) => f.startsWith(dir)) && !UNWATCHED.has(f)).sort();
const described = [...changed].filter((f) => isChangeset(f) && existsSync(path.join(root, f))).sort();

if (watched.length === 0) {
  console.log(`changeset check: ok: nothing under ${WATCHED.join(", ")} changed since ${why}`);
  process.exit(0);
}
if (described.length > 0) {
  console.log(
    `changeset check: ok: ${watched.length} file(s) under ${WATCHED.join(", ")} changed since ${why}, described by ${described.join(", ")}`,
  );
  process.exit(0);
}
const shown = watched.slice(0, 20).map((f) => `  ${f}`);
if (watched.length > 20) shown.push(`  ... and ${watched.length - 20} more`);
console.error(
  [
    `changeset check: FAILED: these files changed since ${why} (${short(base)}) without a changeset:`,
    ...shown,
    "Add one: `npx changeset` (choose patch, minor or major and say what changed for users),",
    "or `npx changeset --empty` if users cannot see the change. See CONTRIBUTING.md.",
  ].join("\n"),
);
process.exit(1);
