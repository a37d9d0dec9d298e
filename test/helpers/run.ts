// Runs a repository tool as a child process and returns its exit code and combined output.
import { spawnSync } from "node:child_process";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");

export function runNode(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): { status: number; output: string } {
  const r = spawnSync(process.execPath, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

export const bin = (pkgPath: string) => path.join(root, "node_modules", pkgPath);
