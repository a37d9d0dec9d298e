// A sandbox's phases: `creating` for `startDelayMs`, then `running` (its main command, when it has
// one, runs for real), then a final phase: `succeeded`/`failed` with the main command's exit code,
// or `terminated` on delete or when `ttl_seconds` elapses. There is no image to run locally: a
// sandbox without `command` or `args` stays `running` until it is terminated or its TTL elapses.
import { rm } from "node:fs/promises";
import { killGroup, run } from "./processes.js";
import { ENDED_PHASES, type Phase, type SandboxState, type Store } from "./store.js";

const OUTPUT_GRACE_MS = 100;

function later(s: SandboxState, ms: number, action: () => void): void {
  const timer = setTimeout(() => {
    s.timers.delete(timer);
    action();
  }, ms);
  timer.unref();
  s.timers.add(timer);
}

/** Schedules the start and, with `ttl_seconds`, the end of a sandbox just created. */
export function launch(store: Store, s: SandboxState): void {
  later(s, store.options.startDelayMs, () => start(store, s));
  if (s.spec.ttl_seconds !== undefined) {
    later(s, s.createdAt + s.spec.ttl_seconds * 1000 - Date.now(), () => end(store, s, "terminated", null));
  }
}

function start(store: Store, s: SandboxState): void {
  if (s.phase !== "creating") return;
  s.phase = "running";
  s.startedAt = Date.now();
  // Without an entrypoint in an image, `args` alone is the argv (as with an image that has none).
  const argv = [...(s.spec.command ?? []), ...(s.spec.args ?? [])];
  if (argv.length === 0) return;
  const main = run(argv, { cwd: s.workdir, env: s.env, log: s.log, execId: "", capture: false });
  if (main.child?.pid !== undefined) s.groups.add(main.child.pid);
  // A sandbox lives as long as its main process: when it exits, whatever it left running is ended too,
  // after a moment for its last output to reach the logs.
  void main.exited.then(async (code) => {
    await Promise.race([main.done, new Promise((resolve) => setTimeout(resolve, OUTPUT_GRACE_MS).unref())]);
    if (s.phase === "running") end(store, s, code === 0 ? "succeeded" : "failed", code);
  });
}

/** Moves a sandbox to a final phase: every process it started is killed (background ones included),
 * its volumes detached, and its working directory (everything outside mounted volumes) discarded.
 * Logs stay. Does nothing once ended. */
export function end(store: Store, s: SandboxState, phase: Phase, exitCode: number | null): void {
  if (ENDED_PHASES.includes(s.phase)) return;
  s.phase = phase;
  s.exitCode = exitCode;
  s.endedAt = Date.now();
  for (const timer of s.timers) clearTimeout(timer);
  s.timers.clear();
  for (const pgid of s.groups) killGroup(pgid);
  s.groups.clear();
  // Only running sandboxes report metrics.
  s.usage.clear();
  for (const volumeId of Object.values(s.spec.volume_mounts ?? {}))
    store.volumes.get(volumeId)?.attachedTo.delete(s.id);
  store.track(rm(s.workdir, { recursive: true, force: true }));
}

/** Ends every live sandbox, as on server close. */
export function endAll(store: Store): void {
  for (const s of store.sandboxes.values()) end(store, s, "terminated", null);
}
