// Shared by the release tests: the repository root, the built package, and child processes run
// without blocking the event loop (the local server these tests start lives in the test process, so a
// spawnSync would deadlock it).
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");

export const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  files: string[];
  exports: Record<string, unknown>;
};

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, for failure messages. */
  output: string;
}

/** Runs a command to completion (killing it after `timeoutMs`) and collects its output. */
export function run(
  cmd: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // A variable given as undefined is removed from the child's environment.
    const env = Object.fromEntries(
      Object.entries({ ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env }).filter(
        (e): e is [string, string] => e[1] !== undefined,
      ),
    );
    const child = spawn(cmd, args, {
      cwd: options.cwd ?? root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs} ms]`;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, output: `${stdout}${stderr}` });
    });
  });
}

/** Runs a repository tool (a path under node_modules) with this Node. */
export const runTool = (tool: string, args: readonly string[], options?: Parameters<typeof run>[2]) =>
  run(process.execPath, [path.join(root, "node_modules", tool), ...args], options);

/** The last line of a script's stdout, parsed as JSON: the scripts print their result there. */
export function lastJsonLine<T = Record<string, unknown>>(result: RunResult): T {
  const line = result.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`expected a JSON line last; exit ${result.status}, output:\n${result.output}`);
  }
}

const BUILT = [
  "dist/index.js",
  "dist/index.cjs",
  "dist/index.d.ts",
  "dist/index.d.cts",
  "dist/local/index.js",
  "dist/local/index.d.ts",
];

/**
 * Waits until the built package is complete. `npm test` builds before vitest; when these tests run on
 * their own while a build is under way (tsup empties dist/ first), this waits for it to finish.
 */
export async function builtPackage(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = BUILT.filter((f) => !existsSync(path.join(root, f)));
    if (missing.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `the package is not built (missing ${missing.join(", ")}): run \`npm run build\` (npm test builds first)`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
