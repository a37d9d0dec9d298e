// Runs an argv for real as a child process (no shell), in its own process group so that terminating
// a sandbox also ends whatever its commands started. Output goes to the sandbox's log book, line by
// line, and is optionally captured whole for an exec answer.
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import type { LogBook } from "./logs.js";

export interface RunResult {
  stdout: string;
  stderr: string;
  exit_code: number;
}

export interface Run {
  /** Absent when the process could not be started at all. */
  child: ChildProcess | undefined;
  /** The exit code once the process has exited, even while something it started still holds its output. */
  exited: Promise<number>;
  /** The whole result once the output is complete too (every holder of the output pipes closed them). */
  done: Promise<RunResult>;
}

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  log: LogBook;
  /** `exec_id` of the log lines; empty for a sandbox's main process. */
  execId: string;
  /** Keep stdout and stderr for the answer (exec); the main process only logs. */
  capture: boolean;
}

// Shell conventions: 127 when the command is not found, 126 when it cannot be executed.
function startFailure(argv0: string, error: NodeJS.ErrnoException): { exit_code: number; message: string } {
  if (error.code === "ENOENT")
    return { exit_code: 127, message: `exec: "${argv0}": executable file not found in $PATH` };
  if (error.code === "EACCES") return { exit_code: 126, message: `exec: "${argv0}": permission denied` };
  return { exit_code: 126, message: `exec: "${argv0}": ${error.message}` };
}

export function run(argv: string[], options: RunOptions): Run {
  const [file, ...args] = argv as [string, ...string[]];
  const out = options.log.writer("info", options.execId);
  const err = options.log.writer("error", options.execId);
  const captured = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  let child: ChildProcess | undefined;
  try {
    child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    // Invalid arguments (a NUL byte, say) throw synchronously instead of emitting "error".
    const result = failed(file, error as NodeJS.ErrnoException, options);
    return { child: undefined, exited: Promise.resolve(result.exit_code), done: Promise.resolve(result) };
  }
  const proc = child;
  proc.stdout!.on("data", (chunk: Buffer) => (out.write(chunk), options.capture && captured.stdout.push(chunk)));
  proc.stderr!.on("data", (chunk: Buffer) => (err.write(chunk), options.capture && captured.stderr.push(chunk)));
  const code = (exit: number | null, signal: NodeJS.Signals | null) =>
    exit ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 9);
  let exited!: (code: number) => void;
  const exit = new Promise<number>((resolve) => (exited = resolve));
  const done = new Promise<RunResult>((resolve) => {
    proc.once("error", (error: NodeJS.ErrnoException) => {
      if (proc.pid !== undefined) return;
      const result = failed(file, error, options);
      exited(result.exit_code);
      resolve(result);
    });
    proc.once("exit", (exitCode, signal) => exited(code(exitCode, signal)));
    proc.once("close", (exitCode, signal) => {
      out.end();
      err.end();
      resolve({
        stdout: Buffer.concat(captured.stdout).toString("utf8"),
        stderr: Buffer.concat(captured.stderr).toString("utf8"),
        exit_code: code(exitCode, signal),
      });
    });
  });
  return { child: proc, exited: exit, done };
}

function failed(file: string, error: NodeJS.ErrnoException, options: RunOptions): RunResult {
  const { exit_code, message } = startFailure(file, error);
  options.log.add(message, "error", options.execId);
  return { stdout: "", stderr: `${message}\n`, exit_code };
}

// Each command leads its own process group, and what it starts in the background stays in that
// group after it exits; a sandbox keeps the ids of its groups until they are empty.

/** Kills every process left in a group; a group that is already empty is ignored. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/** Drops the groups that have no process left, so that a recycled id is never signalled later. */
export function pruneGroups(groups: Set<number>): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 0);
    } catch {
      groups.delete(pgid);
    }
  }
}
