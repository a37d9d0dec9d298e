// CPU and memory of running sandboxes, measured for real: every `metricsIntervalMs` the processes of
// each running sandbox (its process groups) are read from /proc (proc.ts). CPU cores over an interval
// are the CPU seconds its processes used in it divided by its length; memory is their summed resident
// set. Samples are kept for a day (the longest window Porter's CLI asks for) while the sandbox runs,
// and dropped when it ends: only running sandboxes report metrics, as in Porter's API.
import { usageOfGroups, type ProcessUsage } from "./proc.js";
import type { SandboxState, Store } from "./store.js";

export interface Sample {
  at: number;
  cpuCores: number;
  memBytes: number;
}

const KEPT_MS = 24 * 60 * 60 * 1000;

/** The samples of one sandbox, oldest first. */
export class UsageLog {
  readonly samples: Sample[] = [];
  /** CPU seconds of each process at the previous sample, to measure what each used since. */
  #lastCpu = new Map<number, number>();
  #lastAt: number | undefined;

  /** Records what the sandbox's processes use at `at`. The first reading only sets the baseline. */
  record(at: number, processes: readonly (ProcessUsage & { rssBytes: number })[]): void {
    const cpu = new Map(processes.map((p) => [p.pid, p.cpuSeconds]));
    if (this.#lastAt !== undefined && at > this.#lastAt) {
      // A process new since the last sample counts from 0: it started within the interval.
      let used = 0;
      for (const [pid, seconds] of cpu) used += Math.max(0, seconds - (this.#lastCpu.get(pid) ?? 0));
      const memBytes = processes.reduce((n, p) => n + p.rssBytes, 0);
      this.samples.push({ at, cpuCores: used / ((at - this.#lastAt) / 1000), memBytes });
      while (this.samples.length > 0 && this.samples[0]!.at < at - KEPT_MS) this.samples.shift();
    }
    this.#lastCpu = cpu;
    this.#lastAt = at;
  }

  between(from: number, to: number): Sample[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }

  clear(): void {
    this.samples.length = 0;
    this.#lastCpu.clear();
    this.#lastAt = undefined;
  }
}

/** Samples every running sandbox of the store on a timer, one /proc scan for all of them per tick. */
export class Sampler {
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(private readonly store: Store) {}

  start(): void {
    // A scan that fails (a /proc oddity) leaves a gap in the samples, nothing more.
    this.#timer = setInterval(() => void this.#tick().catch(() => {}), this.store.options.metricsIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    // A scan slower than the interval is not stacked on another.
    if (this.#busy) return;
    const running = [...this.store.sandboxes.values()].filter((s) => s.phase === "running");
    if (running.length === 0) return;
    this.#busy = true;
    try {
      const processes = await usageOfGroups(new Set(running.flatMap((s) => [...s.groups])));
      const at = Date.now();
      for (const s of running) recordOne(s, at, processes);
    } finally {
      this.#busy = false;
    }
  }
}

function recordOne(s: SandboxState, at: number, processes: (ProcessUsage & { rssBytes: number })[]): void {
  // It may have ended while /proc was read; its samples were dropped then.
  if (s.phase !== "running") return;
  s.usage.record(
    at,
    processes.filter((p) => s.groups.has(p.pgid)),
  );
}
