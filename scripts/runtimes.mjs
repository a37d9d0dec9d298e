#!/usr/bin/env node
// The pinned runtimes of the runtime matrix (test/release/runtimes.test.ts), installed from the npm
// registry into .tmp/runtimes on first use. They are not devDependencies: the `node` package would
// put a Node 24 `node` first on the PATH of every npm script. Run directly, it installs what is
// missing and prints one `name version path` line per runtime.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// RUNTIMES_DIR moves them (e.g. to a CI cache directory).
export const runtimesDir = path.resolve(process.env.RUNTIMES_DIR ?? path.join(root, ".tmp", "runtimes"));

/** Registry package and version of each runtime; the `node` one is the second Node major of the matrix. */
export const PINNED = { node: "24.9.0", bun: "1.4.5", deno: "2.9.6" };

/** Absolute path of each runtime's binary (present once `ensureRuntimes()` has run). */
export const runtimeBins = Object.fromEntries(
  Object.keys(PINNED).map((name) => [name, path.join(runtimesDir, "node_modules", ".bin", name)]),
);

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(runtimesDir, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

const missing = () =>
  Object.keys(PINNED).filter((name) => installedVersion(name) !== PINNED[name] || !existsSync(runtimeBins[name]));

/** The version each binary reports, e.g. `{ node: "24.9.0", bun: "1.4.5", deno: "2.9.6" }`. */
export function reportedVersions() {
  const versions = {};
  for (const [name, bin] of Object.entries(runtimeBins)) {
    const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
    versions[name] = r.status === 0 ? /(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] : undefined;
  }
  return versions;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `fn` holding a lock directory, so that test files starting at once install only once
 * and never see a half-finished install. */
function withLock(fn) {
  const lock = `${runtimesDir}.lock`;
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw new Error(`runtimes: cannot take the install lock ${lock}`, { cause: error });
      try {
        // A lock left by an install that died is stale after 5 minutes.
        if (Date.now() - statSync(lock).mtimeMs > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // Another install removed it first, or it is not ours to remove: wait for it as for any lock.
      }
      if (Date.now() > deadline)
        throw new Error(`runtimes: still locked by another install after 10 minutes (${lock})`, { cause: error });
      sleep(250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Installs the runtimes that are missing or at another version (about 20 s, from the npm registry),
 * then checks that each binary runs and reports its pinned version. Returns their paths.
 */
export function ensureRuntimes({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  // Checked under the lock too: another process may be half-way through installing them.
  return withLock(() => {
    install(log);
    const versions = reportedVersions();
    for (const [name, version] of Object.entries(PINNED)) {
      if (versions[name] !== version) {
        throw new Error(
          `runtimes: ${runtimeBins[name]} reports ${versions[name] ?? "nothing (does not run)"}, expected ${version}`,
        );
      }
    }
    return { ...runtimeBins };
  });
}

function install(log) {
  const todo = missing();
  if (todo.length > 0) {
    log(`runtimes: installing ${todo.map((name) => `${name}@${PINNED[name]}`).join(", ")} into ${runtimesDir}`);
    mkdirSync(runtimesDir, { recursive: true });
    const specs = Object.entries(PINNED).map(([name, version]) => `${name}@${version}`);
    const npm =
      process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
        ? [process.execPath, process.env.npm_execpath]
        : [process.platform === "win32" ? "npm.cmd" : "npm"];
    const r = spawnSync(
      npm[0],
      [
        ...npm.slice(1),
        "install",
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        "--prefix",
        runtimesDir,
        ...specs,
      ],
      {
        cwd: root,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (r.status !== 0)
      throw new Error(`runtimes: npm install failed (exit ${r.status}):\n${r.stdout}${r.stderr}${r.error ?? ""}`);
    const still = missing();
    if (still.length > 0) throw new Error(`runtimes: still missing after npm install: ${still.join(", ")}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const bins = ensureRuntimes();
    for (const [name, bin] of Object.entries(bins)) console.log(`${name} ${PINNED[name]} ${bin}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
