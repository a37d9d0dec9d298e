// Everything the server knows, in memory, with the directories that hold sandbox working dirs,
// volumes and snapshots under one state directory.
import type { components } from "../../generated/schema.js";
import { notFound } from "./http.js";
import type { LogBook } from "./logs.js";
import type { ResolvedOptions } from "./options.js";

type S = components["schemas"];
export type Phase = S["StatusResponsePhase"];
export type SandboxSpec = S["SandboxSpec"];

export const LIVE_PHASES: readonly Phase[] = ["queued", "creating", "running"];
export const ENDED_PHASES: readonly Phase[] = ["succeeded", "failed", "terminated"];

export interface SandboxState {
  id: string;
  name: string;
  spec: SandboxSpec;
  /** Creation order, for newest-first listings that never tie. */
  seq: number;
  phase: Phase;
  exitCode: number | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  workdir: string;
  env: Record<string, string>;
  log: LogBook;
  /** Process groups (one per command run: the main one and each exec) that may still hold processes. */
  groups: Set<number>;
  timers: Set<NodeJS.Timeout>;
}

export interface VolumeState {
  id: string;
  name: string;
  createdAt: number;
  dir: string;
  /** Live sandboxes the volume is mounted into. */
  attachedTo: Set<string>;
}

export interface SnapshotState {
  id: string;
  sandboxId: string;
  name: string;
  phase: S["Snapshot"]["phase"];
  createdAt: number;
  dir: string;
}

export interface Dirs {
  root: string;
  sandboxes: string;
  volumes: string;
  snapshots: string;
  /** Temporary files of atomic writes: the same file system as the volumes, so a rename is atomic. */
  tmp: string;
}

export class Store {
  readonly sandboxes = new Map<string, SandboxState>();
  /** Every sandbox name ever used: names are never reused, even after termination. */
  readonly sandboxNames = new Map<string, string>();
  readonly volumes = new Map<string, VolumeState>();
  readonly snapshots = new Map<string, SnapshotState>();
  /** Clean-ups in flight (discarded working dirs), awaited on close. */
  readonly pending = new Set<Promise<unknown>>();
  #seq = 0;

  constructor(
    readonly dirs: Dirs,
    readonly options: ResolvedOptions,
  ) {}

  nextSeq(): number {
    return ++this.#seq;
  }

  sandbox(id: string): SandboxState {
    const found = this.sandboxes.get(id);
    if (!found) throw notFound(`sandbox ${id} not found`);
    return found;
  }

  volume(id: string): VolumeState {
    const found = this.volumes.get(id);
    if (!found) throw notFound(`volume ${id} not found`);
    return found;
  }

  volumeNamed(name: string): VolumeState | undefined {
    for (const v of this.volumes.values()) if (v.name === name) return v;
    return undefined;
  }

  track(work: Promise<unknown>): void {
    const p = work.catch(() => {}).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
