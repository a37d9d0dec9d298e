// Everything the server knows, in memory, with the directories that hold sandbox working dirs,
// volumes and snapshots under one state directory.
import type { components } from "../../generated/schema.js";
import { badRequest, notFound } from "./http.js";
import type { LogBook } from "./logs.js";
import type { ResolvedOptions } from "./options.js";
import { UploadLinks } from "./uploads.js";
import type { UsageLog } from "./usage.js";

type S = components["schemas"];
export type Phase = S["StatusResponsePhase"];
export type SandboxSpec = S["SandboxSpec"];

export const LIVE_PHASES: readonly Phase[] = ["queued", "creating", "running"];
export const ENDED_PHASES: readonly Phase[] = ["succeeded", "failed", "terminated"];

export interface SandboxState {
  id: string;
  name: string;
  spec: SandboxSpec;
  /** The image of its record: the spec's, or for a sandbox started from a snapshot, the snapshot's source image. */
  image: string;
  /** Creation order, for newest-first listings that never tie. */
  seq: number;
  phase: Phase;
  exitCode: number | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  workdir: string;
  /** The symlinks in the working dir that mount its volumes (left out of snapshots). */
  mountLinks: Set<string>;
  env: Record<string, string>;
  log: LogBook;
  /** Process groups (one per command run: the main one and each exec) that may still hold processes. */
  groups: Set<number>;
  timers: Set<NodeJS.Timeout>;
  /** CPU and memory samples taken while it runs, for the metrics endpoints. */
  usage: UsageLog;
}

export interface VolumeState {
  id: string;
  name: string;
  type: S["Volume"]["type"];
  /** The bucket settings of an object volume, as given. */
  object: S["VolumeObjectSpec"] | undefined;
  /** `path` of its record: where its data lives below the state directory; "" for object volumes. */
  path: string;
  createdAt: number;
  /** Where its files are: its own directory, or for an object volume the emulated bucket's (prefix's) directory. */
  dir: string;
  /** Live sandboxes the volume is mounted into. */
  attachedTo: Set<string>;
}

export type SnapshotStatus = "pending" | "ready" | "failed";

export interface SnapshotState {
  id: string;
  sandboxId: string;
  /** The image of the sandbox it was taken of, which sandboxes started from it report. */
  sourceImage: string;
  mode: string;
  status: SnapshotStatus;
  createdAt: number;
  readyAt: number | undefined;
  failureReason: string | undefined;
  sizeBytes: number | undefined;
  dir: string;
  /** The copy in progress; never rejects. */
  capture: Promise<void>;
}

export interface Dirs {
  root: string;
  sandboxes: string;
  volumes: string;
  snapshots: string;
  /** Emulated object storage buckets, one directory each, shared by the object volumes that expose them. */
  buckets: string;
  /** Temporary files of atomic writes: the same file system as the volumes, so a rename is atomic. */
  tmp: string;
}

export class Store {
  readonly sandboxes = new Map<string, SandboxState>();
  /** Every sandbox name ever used: names are never reused, even after termination. */
  readonly sandboxNames = new Map<string, string>();
  readonly volumes = new Map<string, VolumeState>();
  readonly snapshots = new Map<string, SnapshotState>();
  /** The one-time links redirected file writes upload to. */
  readonly uploads: UploadLinks;
  /** Clean-ups in flight (discarded working dirs), awaited on close. */
  readonly pending = new Set<Promise<unknown>>();
  #seq = 0;

  constructor(
    readonly dirs: Dirs,
    readonly options: ResolvedOptions,
  ) {
    this.uploads = new UploadLinks(options.uploadLinkTtlMs);
  }

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

  /** A volume the files API works on: Porter's file endpoints serve disk volumes only. */
  diskVolume(id: string): VolumeState {
    const volume = this.volume(id);
    if (volume.type !== "disk") {
      throw badRequest(`invalid request: volume ${id} is an object volume; the files API works on disk volumes only`);
    }
    return volume;
  }

  snapshot(id: string): SnapshotState {
    const found = this.snapshots.get(id);
    if (!found) throw notFound(`snapshot ${id} not found`);
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
