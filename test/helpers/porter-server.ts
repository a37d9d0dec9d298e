// An in-memory test server that speaks only the Porter Sandbox API as Porter's published SDKs describe it
// (/work/shared/reference/porter-published-api.md, sections 1-3), with none of this project's extensions:
// it never reads an Idempotency-Key (two identical creates make two sandboxes), error bodies are exactly
// {"error": "..."}, and it sends no X-Request-Id, Retry-After, Idempotent-Replayed or embedded `status`.
// No processes run: phases advance on the clock, checked when a request arrives, and exec answers are
// computed from the argv. Every request is recorded as it arrived, so tests can assert the wire.
//
// Faults, for creates only: a fraction answered 503 before anything is committed, a fraction committed
// and then left unanswered (the socket is destroyed: a lost response), a fraction committed and then
// answered late (so a client timeout fires after the commit), and optionally a slow commit (so a client
// timeout fires before it). Draws come from a seeded PRNG, one per
// decision, so a run with the same seed and the same number of requests draws the same faults.
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { setMaxListeners } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

// ---------------------------------------------------------------------------------------------------
// Options

export interface PorterFaults {
  /** Seed of the PRNG that draws the faults. Default 1. */
  seed?: number;
  /** Fraction (0..1) of POST /v1/sandbox/run answered 503 `{"error"}` without committing anything. */
  failBeforeCommit?: number;
  /** Fraction (0..1) of successful POST /v1/sandbox/run that commit the sandbox and then destroy the
   * socket without answering: the client cannot tell whether the sandbox exists. */
  dropCreateResponses?: number;
  /** Wait this long before committing a create, whether or not the client is still there: a client
   * timeout shorter than this fires before the commit, and the sandbox appears afterwards. */
  commitDelayMs?: number;
  /** Wait this long after committing before answering a create (when drawn: see `stallCreates`). */
  stallCreateMs?: number;
  /** Fraction (0..1) of committed, not dropped creates that wait `stallCreateMs`. Default 1. */
  stallCreates?: number;
}

export interface PorterServerOptions {
  /** Ms a new sandbox stays `queued` before it is `running`. Default 0 (running at once). */
  startDelayMs?: number;
  /** Ms a new volume stays `pending` before it is `ready`. Default 0. */
  volumeReadyMs?: number;
  /** Ms a snapshot stays `pending` before it is `ready`. Default 0. */
  snapshotReadyMs?: number;
  /** How DELETE /v1/sandbox/{id} answers: 204, or 200 with an empty body. Default 204. */
  terminateStatus?: 200 | 204;
  /** Sandboxes per page of GET /v1/sandbox. Default 20. */
  pageSize?: number;
  /** Entries one GET /v1/volume/{id}/files walk reads before it stops. Default 1000. */
  fileEntryBudget?: number;
  /** Answer file writes with a 307 to a second path that stores the body. Default true. */
  redirectWrites?: boolean;
  /** Path prefix the API is served under (Porter's external URLs carry one). Default "". */
  basePath?: string;
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
  faults?: PorterFaults;
}

type Settings = Required<Omit<PorterServerOptions, "apiKey" | "faults">> & { apiKey: string | undefined };

const DEFAULT_SETTINGS: Settings = {
  startDelayMs: 0,
  volumeReadyMs: 0,
  snapshotReadyMs: 0,
  terminateStatus: 204,
  pageSize: 20,
  fileEntryBudget: 1000,
  redirectWrites: true,
  basePath: "",
  apiKey: undefined,
};

/** Where the 307 of a file write points, below `basePath`: same origin, another path. */
export const UPLOAD_PREFIX = "/upload";

// ---------------------------------------------------------------------------------------------------
// Porter's models (wire names), and the server's own state behind them

export const PHASES = ["queued", "creating", "running", "succeeded", "failed", "terminated"] as const;
export type Phase = (typeof PHASES)[number];
const ENDED: readonly Phase[] = ["succeeded", "failed", "terminated"];

export interface LogLine {
  timestamp: string;
  line: string;
  level: "error" | "warning" | "info";
  exec_id: string;
}

interface SandboxState {
  id: string;
  name: string;
  image: string;
  tags: Record<string, string>;
  phase: Phase;
  exit_code: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  volume_mounts: Record<string, string> | undefined;
  command: string[] | undefined;
  createdMs: number;
  startsAtMs: number;
  logs: LogLine[];
}

interface VolumeState {
  id: string;
  name: string;
  type: "disk" | "object";
  object: { bucket: string; prefix?: string; access?: string } | undefined;
  path: string;
  phase: "pending" | "ready" | "failed";
  created_at: string;
  readyAtMs: number;
  tree: VolumeTree;
}

interface SnapshotState {
  id: string;
  sandbox_id: string;
  mode: string;
  status: "pending" | "ready" | "failed";
  t_created_unix_ms: number;
  t_ready_unix_ms?: number;
  size_bytes?: number;
  readyAtMs: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent (base path included). */
  url: string;
  /** Path below `basePath`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
  /** When the request's head arrived, and when its body had been read (Date.now()). */
  arrivedMs: number;
  readMs: number;
}

/** A failure answered as Porter does: the status and `{"error": message}`, nothing else. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(status: number, message: string): never {
  throw new HttpError(status, message);
}

const iso = (ms: number) => new Date(ms).toISOString();
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** mulberry32: a small seeded PRNG, so that fault draws repeat from run to run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------
// Volume files: a flat map of normalised paths ("" is the root, "a/b" a child of "a")

type FileNode = { type: "file"; data: Buffer; modifiedMs: number } | { type: "directory"; modifiedMs: number };

export interface FileEntry {
  name: string;
  type: "file" | "directory";
  size_bytes: number;
  modified_at?: string;
  truncated?: boolean;
  entries?: FileEntry[];
}

/** A volume path without leading, trailing or doubled slashes; ".." anywhere is refused. */
export function normalizePath(raw: string): string {
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) fail(400, `path ${JSON.stringify(raw)} must not contain ".." segments`);
  return segments.join("/");
}

const parentOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);

class VolumeTree {
  readonly nodes = new Map<string, FileNode>([["", { type: "directory", modifiedMs: Date.now() }]]);

  get(path: string): FileNode | undefined {
    return this.nodes.get(path);
  }

  /** The entries directly inside `dir`: directories first, then files, each by name. */
  children(dir: string): [string, FileNode][] {
    const kids = [...this.nodes].filter(([path]) => path !== "" && parentOf(path) === dir);
    const rank = ([path, node]: [string, FileNode]) => `${node.type === "directory" ? 0 : 1}${path}`;
    return kids.sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
  }

  /** Replaces the file at `path`, creating missing parent directories. */
  write(path: string, data: Buffer, now: number): void {
    if (path === "") fail(400, "path must name a file");
    const existing = this.nodes.get(path);
    if (existing?.type === "directory") fail(409, `${path} is a directory`);
    this.makeParents(path, now);
    this.nodes.set(path, { type: "file", data, modifiedMs: now });
  }

  private makeParents(path: string, now: number): void {
    const segments = path.split("/").slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      const dir = segments.slice(0, i).join("/");
      const node = this.nodes.get(dir);
      if (node?.type === "file") fail(409, `${dir} is a file, so it cannot hold ${path}`);
      if (!node) this.nodes.set(dir, { type: "directory", modifiedMs: now });
    }
  }

  /** Moves a file or a directory with everything under it; `to` is the full new path. */
  move(from: string, to: string): void {
    if (from === "" || to === "") fail(400, "the volume root cannot be moved or overwritten");
    if (!this.nodes.has(from)) fail(404, `${from} not found`);
    if (this.nodes.get(parentOf(to))?.type !== "directory") fail(404, `the parent directory of ${to} does not exist`);
    if (this.nodes.has(to)) fail(409, `${to} already exists`);
    if (to.startsWith(`${from}/`)) fail(400, `cannot move ${from} into itself`);
    for (const [path, node] of [...this.nodes]) {
      if (path !== from && !path.startsWith(`${from}/`)) continue;
      this.nodes.delete(path);
      this.nodes.set(to + path.slice(from.length), node);
    }
  }
}

function entryOf(name: string, node: FileNode): FileEntry {
  const size = node.type === "file" ? node.data.length : 0;
  return { name, type: node.type, size_bytes: size, modified_at: iso(node.modifiedMs) };
}

/**
 * Breadth-first walk from `start` reading at most `budget` entries. A directory the walk could not read
 * in full gets `truncated: true` and no `entries`, and so does every directory still queued after it;
 * the listing's own `truncated` then says the budget ran out. A start directory larger than the budget
 * is answered with its first `budget` entries.
 */
function walk(tree: VolumeTree, start: string, budget: number): { entries: FileEntry[]; truncated: boolean } {
  const top = { entries: [] as FileEntry[], truncated: false };
  const rootKids = tree.children(start);
  if (rootKids.length > budget) {
    top.entries = rootKids.slice(0, budget).map(([path, node]) => unread(entryOf(baseName(path), node)));
    top.truncated = true;
    return top;
  }
  const queue: { path: string; holder: { entries?: FileEntry[] } }[] = [{ path: start, holder: top }];
  let left = budget;
  while (queue.length > 0) {
    const { path, holder } = queue.shift()!;
    const kids = tree.children(path);
    if (kids.length > left) {
      unread(holder as FileEntry);
      for (const rest of queue) unread(rest.holder as FileEntry);
      top.truncated = true;
      break;
    }
    left -= kids.length;
    holder.entries = kids.map(([childPath, node]) => {
      const entry = entryOf(baseName(childPath), node);
      if (node.type === "directory") queue.push({ path: childPath, holder: entry });
      return entry;
    });
  }
  return top;
}

function unread(entry: FileEntry): FileEntry {
  if (entry.type === "directory") entry.truncated = true;
  return entry;
}

/** Keeps the entries whose name contains `needle` (case-insensitively) and the directories above them. */
function prune(entries: FileEntry[], needle: string): FileEntry[] {
  const kept: FileEntry[] = [];
  for (const entry of entries) {
    const inner = entry.entries ? prune(entry.entries, needle) : undefined;
    const hit = entry.name.toLowerCase().includes(needle);
    if (hit || (inner && inner.length > 0)) kept.push(inner ? { ...entry, entries: inner } : entry);
  }
  return kept;
}

/** A single `Range: bytes=...` against a file of `size` bytes: the inclusive span, "unsatisfiable", or
 * undefined when the header is absent or not understood (the whole file is sent, as RFC 9110 allows). */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? "");
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    return suffix === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  return start >= size ? "unsatisfiable" : { start, end };
}

// ---------------------------------------------------------------------------------------------------
// Sandboxes: what a create commits, how phases advance, what exec answers

/** `["sh", "-c", "exit N"]` exits with N; undefined for any other argv. */
function shellExit(argv: string[] | undefined): number | undefined {
  if (!argv || argv.length !== 3 || argv[0] !== "sh" || argv[1] !== "-c") return undefined;
  const m = /^exit (\d+)$/.exec(argv[2]!.trim());
  return m ? Number(m[1]) : undefined;
}

/** The canned-but-computed result of running `argv`: `sh -c "exit N"` exits N; anything else exits 0
 * and prints its argv joined by spaces (`echo` prints only its arguments). */
export function runCommand(argv: string[]): { stdout: string; stderr: string; exit_code: number } {
  const exit = shellExit(argv);
  if (exit !== undefined) return { stdout: "", stderr: "", exit_code: exit };
  const words = argv[0] === "echo" ? argv.slice(1) : argv;
  return { stdout: `${words.join(" ")}\n`, stderr: "", exit_code: 0 };
}

function addLog(
  sandbox: SandboxState,
  line: string,
  execId: string,
  now: number,
  level: LogLine["level"] = "info",
): void {
  sandbox.logs.push({ timestamp: iso(now), line, level, exec_id: execId });
}

function finish(sandbox: SandboxState, phase: Phase, exitCode: number | null, now: number): void {
  sandbox.phase = phase;
  sandbox.exit_code = exitCode;
  sandbox.finished_at = iso(now);
}

/** Moves a queued sandbox on once its start time has come; a main command `sh -c "exit N"` ends at once. */
function advanceSandbox(sandbox: SandboxState, now: number): void {
  if (sandbox.phase !== "queued" || now < sandbox.startsAtMs) return;
  sandbox.phase = "running";
  sandbox.started_at = iso(now);
  addLog(sandbox, `sandbox ${sandbox.name} started`, "", now);
  const exit = shellExit(sandbox.command);
  if (exit !== undefined) finish(sandbox, exit === 0 ? "succeeded" : "failed", exit, now);
}

function advanceVolume(volume: VolumeState, now: number): void {
  if (volume.phase === "pending" && now >= volume.readyAtMs) volume.phase = "ready";
}

/** A pending capture completes once its time has come (its size is made up: nothing is captured). */
function advanceSnapshot(snap: SnapshotState, now: number): void {
  if (snap.status !== "pending" || now < snap.readyAtMs) return;
  Object.assign(snap, { status: "ready", t_ready_unix_ms: now, size_bytes: 4096 });
}

function sandboxRecord(s: SandboxState): Record<string, unknown> {
  const record: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    image: s.image,
    tags: { ...s.tags },
    phase: s.phase,
    exit_code: s.exit_code,
    created_at: s.created_at,
    started_at: s.started_at,
    finished_at: s.finished_at,
    host: "",
  };
  if (s.volume_mounts) record.volume_mounts = { ...s.volume_mounts };
  if (s.started_at)
    record.exec_target = { namespace: "porter-sandboxes", pod_name: `pod-${s.id}`, container_name: "workload" };
  return record;
}

function volumeRecord(v: VolumeState, attachedTo: string[]): Record<string, unknown> {
  const record: Record<string, unknown> = { id: v.id, name: v.name, type: v.type };
  if (v.object) record.object = { ...v.object };
  return { ...record, path: v.path, phase: v.phase, attached_to: attachedTo, created_at: v.created_at };
}

function snapshotRecord(s: SnapshotState): Record<string, unknown> {
  const { readyAtMs: _internal, ...wire } = s;
  return { ...wire };
}

// ---------------------------------------------------------------------------------------------------
// The store: every resource, the counters, and the operations the routes call

interface SandboxFilter {
  tags: [string, string][];
  phases: Phase[];
  image: string | undefined;
  search: string | undefined;
  startMs: number | undefined;
  endMs: number | undefined;
}

function timeParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? fail(400, `${name} must be a timestamp`) : ms;
}

/** The list and counts filters: `tag=key=value` (repeated, all must match), `phase` (repeated), `image`,
 * `search` (a name prefix), `start_time` and `end_time` (creation time). */
function parseFilter(query: URLSearchParams): SandboxFilter {
  const tags = query.getAll("tag").map((tag): [string, string] => {
    const at = tag.indexOf("=");
    return at > 0 ? [tag.slice(0, at), tag.slice(at + 1)] : fail(400, `tag ${JSON.stringify(tag)} must be key=value`);
  });
  const phases = query
    .getAll("phase")
    .map((p) => (PHASES.includes(p as Phase) ? (p as Phase) : fail(400, `unknown phase ${JSON.stringify(p)}`)));
  return {
    tags,
    phases,
    image: query.get("image") ?? undefined,
    search: query.get("search") ?? undefined,
    startMs: timeParam(query, "start_time"),
    endMs: timeParam(query, "end_time"),
  };
}

function matchesFilter(s: SandboxState, f: SandboxFilter): boolean {
  return (
    f.tags.every(([key, value]) => s.tags[key] === value) &&
    (f.phases.length === 0 || f.phases.includes(s.phase)) &&
    (f.image === undefined || s.image === f.image) &&
    (f.search === undefined || s.name.startsWith(f.search)) &&
    (f.startMs === undefined || s.createdMs >= f.startMs) &&
    (f.endMs === undefined || s.createdMs < f.endMs)
  );
}

/** A Go duration (`30m`, `1h30m`, `45s`) or an RFC 3339 time, as the cut-off it names. */
function sinceCutoff(since: string | null, now: number): number | undefined {
  if (!since) return undefined;
  const go = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(since);
  if (go && since !== "")
    return now - ((Number(go[1] ?? 0) * 60 + Number(go[2] ?? 0)) * 60 + Number(go[3] ?? 0)) * 1000;
  const ms = Date.parse(since);
  return Number.isNaN(ms) ? fail(400, "since must be a duration such as 30m or a timestamp") : ms;
}

export interface FaultCounts {
  failedBeforeCommit: number;
  droppedAfterCommit: number;
  stalled: number;
}

class PorterStore {
  readonly sandboxes = new Map<string, SandboxState>();
  readonly volumes = new Map<string, VolumeState>();
  readonly snapshots = new Map<string, SnapshotState>();
  readonly faultCounts: FaultCounts = { failedBeforeCommit: 0, droppedAfterCommit: 0, stalled: 0 };
  /** Added to the real clock: tests move time forward (`skipAhead`) instead of waiting. */
  clockOffsetMs = 0;
  #seq = 0;
  #execs = 0;

  constructor(readonly settings: Settings) {}

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  nextId(prefix: string): string {
    this.#seq += 1;
    return `${prefix}_${this.#seq.toString(36).padStart(6, "0")}`;
  }

  /** Brings every clock-driven state up to now; called before each request is handled. */
  advance(now: number): void {
    for (const sandbox of this.sandboxes.values()) advanceSandbox(sandbox, now);
    for (const volume of this.volumes.values()) advanceVolume(volume, now);
    for (const snap of this.snapshots.values()) advanceSnapshot(snap, now);
  }

  sandbox(id: string): SandboxState {
    return this.sandboxes.get(id) ?? fail(404, `sandbox ${id} not found`);
  }

  volume(id: string): VolumeState {
    return this.volumes.get(id) ?? fail(404, `volume ${id} not found`);
  }

  /** Ids of the sandboxes that have not ended and mount the volume. */
  attachedTo(volumeId: string): string[] {
    const holders = [...this.sandboxes.values()].filter(
      (s) => !ENDED.includes(s.phase) && Object.values(s.volume_mounts ?? {}).includes(volumeId),
    );
    return holders.map((s) => s.id);
  }

  createSandbox(body: unknown, now: number): SandboxState {
    const spec = checkSandboxSpec(body);
    if (spec.name !== undefined && [...this.sandboxes.values()].some((s) => s.name === spec.name)) {
      fail(409, `a sandbox named ${spec.name} already exists`);
    }
    for (const volumeId of Object.values(spec.volume_mounts ?? {})) this.volume(volumeId);
    if (spec.snapshot_id !== undefined) {
      const snap = this.snapshots.get(spec.snapshot_id) ?? fail(404, `snapshot ${spec.snapshot_id} not found`);
      if (snap.status !== "ready") fail(409, `snapshot ${snap.id} is not ready`);
    }
    const id = this.nextId("sbx");
    const sandbox: SandboxState = {
      id,
      name: spec.name ?? id,
      image: spec.image,
      tags: { ...spec.tags },
      phase: "queued",
      exit_code: null,
      created_at: iso(now),
      started_at: null,
      finished_at: null,
      volume_mounts: spec.volume_mounts,
      command: spec.command,
      createdMs: now,
      startsAtMs: now + this.settings.startDelayMs,
      logs: [],
    };
    this.sandboxes.set(id, sandbox);
    advanceSandbox(sandbox, now);
    return sandbox;
  }

  terminate(id: string, now: number): void {
    const sandbox = this.sandbox(id);
    if (!ENDED.includes(sandbox.phase)) finish(sandbox, "terminated", null, now);
  }

  exec(id: string, body: unknown, now: number): ReturnType<typeof runCommand> {
    const command = (body as { command?: unknown } | null)?.command;
    if (!isStringList(command) || command.length === 0) fail(400, "command must be a non-empty array of strings");
    const sandbox = this.sandbox(id);
    if (sandbox.phase !== "running") fail(409, `sandbox ${id} is ${sandbox.phase}, not running`);
    const result = runCommand(command);
    this.#execs += 1;
    const execId = `exec_${this.#execs}`;
    for (const line of result.stdout.split("\n").filter(Boolean)) addLog(sandbox, line, execId, now);
    return result;
  }

  createVolume(body: unknown, now: number): VolumeState {
    const spec = checkVolumeSpec(body);
    if (spec.name !== undefined && [...this.volumes.values()].some((v) => v.name === spec.name))
      fail(409, `a volume named ${spec.name} already exists`);
    const id = this.nextId("vol");
    const type = spec.type ?? "disk";
    const volume: VolumeState = {
      id,
      name: spec.name ?? id,
      type,
      object: spec.object,
      path: type === "disk" ? `volumes/${id}` : "",
      phase: "pending",
      created_at: iso(now),
      readyAtMs: now + this.settings.volumeReadyMs,
      tree: new VolumeTree(),
    };
    this.volumes.set(id, volume);
    advanceVolume(volume, now);
    return volume;
  }

  deleteVolume(id: string): void {
    this.volume(id);
    const holders = this.attachedTo(id);
    if (holders.length > 0) fail(409, `volume ${id} is attached to ${holders.join(", ")}`);
    this.volumes.delete(id);
  }

  /** The file tree of a disk volume (object volumes have no file API). */
  files(id: string): VolumeTree {
    const volume = this.volume(id);
    return volume.type === "disk"
      ? volume.tree
      : fail(400, `volume ${id} is an object volume: the files API serves disk volumes only`);
  }

  createSnapshot(sandboxId: string, body: unknown, now: number): SnapshotState {
    const mode = (body as { mode?: unknown } | null)?.mode;
    if (mode !== undefined && typeof mode !== "string") fail(400, "mode must be a string");
    const sandbox = this.sandbox(sandboxId);
    if (sandbox.phase !== "running") fail(409, `sandbox ${sandboxId} is ${sandbox.phase}, not running`);
    const snap: SnapshotState = {
      id: this.nextId("snap"),
      sandbox_id: sandboxId,
      mode: mode ?? "filesystem",
      status: "pending",
      t_created_unix_ms: now,
      readyAtMs: now + this.settings.snapshotReadyMs,
    };
    this.snapshots.set(snap.id, snap);
    advanceSnapshot(snap, now);
    return snap;
  }
}

interface CheckedSandboxSpec {
  image: string;
  name?: string;
  tags?: Record<string, string>;
  command?: string[];
  volume_mounts?: Record<string, string>;
  snapshot_id?: string;
}

/** The few rules Porter's material states for a SandboxSpec; anything else is accepted as sent. */
function checkSandboxSpec(body: unknown): CheckedSandboxSpec {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    fail(400, "the body must be a SandboxSpec object");
  const spec = body as Record<string, unknown>;
  if (spec.snapshot_id !== undefined && typeof spec.snapshot_id !== "string") fail(400, "snapshot_id must be a string");
  const fromSnapshot = typeof spec.snapshot_id === "string";
  if (typeof spec.image !== "string" && !(fromSnapshot && spec.image === undefined)) fail(400, "image is required");
  if (spec.image === "" && !fromSnapshot) fail(400, "image is required");
  if (spec.name !== undefined && (typeof spec.name !== "string" || !DNS_LABEL.test(spec.name)))
    fail(400, "name must be a DNS label");
  if (spec.tags !== undefined && !isStringMap(spec.tags)) fail(400, "tags must map strings to strings");
  if (spec.command !== undefined && !isStringList(spec.command)) fail(400, "command must be an array of strings");
  if (spec.volume_mounts !== undefined && !isStringMap(spec.volume_mounts))
    fail(400, "volume_mounts must map paths to volume ids");
  return { ...(spec as unknown as CheckedSandboxSpec), image: (spec.image as string | undefined) ?? "" };
}

function checkVolumeSpec(body: unknown): { name?: string; type?: "disk" | "object"; object?: VolumeState["object"] } {
  const spec = (body ?? {}) as Record<string, unknown>;
  if (typeof spec !== "object" || Array.isArray(spec)) fail(400, "the body must be a VolumeSpec object");
  if (spec.name !== undefined && (typeof spec.name !== "string" || !DNS_LABEL.test(spec.name)))
    fail(400, "name must be a DNS label");
  if (spec.type !== undefined && spec.type !== "disk" && spec.type !== "object")
    fail(400, "type must be disk or object");
  const object = spec.object as Record<string, unknown> | undefined;
  if (spec.type === "object" && typeof object?.bucket !== "string") fail(400, "an object volume needs object.bucket");
  return spec as { name?: string; type?: "disk" | "object"; object?: VolumeState["object"] };
}

// ---------------------------------------------------------------------------------------------------
// HTTP: one exchange, answers, and the routes

interface Exchange {
  req: RecordedRequest;
  raw: IncomingMessage;
  res: ServerResponse;
  /** The `{id}` segment of the route, decoded. */
  id: string;
  store: PorterStore;
  server: PorterServer;
  now: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

function required(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  return value === null || value === "" ? fail(400, `${name} is required`) : value;
}

// Porter states no default phase filter, so a list without `phase` returns every phase.
function listSandboxes(x: Exchange): void {
  const filter = parseFilter(x.req.query);
  const matching = [...x.store.sandboxes.values()].filter((s) => matchesFilter(s, filter));
  const size = x.store.settings.pageSize;
  const page = Number(x.req.query.get("page") ?? "1");
  if (!Number.isSafeInteger(page) || page < 1) fail(400, "page must be a whole number, 1 or more");
  const totalPages = Math.max(1, Math.ceil(matching.length / size));
  const body: Record<string, unknown> = {
    sandboxes: matching.slice((page - 1) * size, page * size).map(sandboxRecord),
    pagination: { current_page: page, total_pages: totalPages, has_next_page: page < totalPages },
  };
  if (x.req.query.get("include_filter_values") === "true") body.filter_values = filterValues(x.store);
  sendJson(x.res, 200, body);
}

/** Cluster-wide values: every tag as "key=value", every image, and every supported phase. */
function filterValues(store: PorterStore): { tags: string[]; images: string[]; phases: Phase[] } {
  const all = [...store.sandboxes.values()];
  const tags = new Set(all.flatMap((s) => Object.entries(s.tags).map(([k, v]) => `${k}=${v}`)));
  const images = new Set(all.map((s) => s.image));
  return { tags: [...tags].sort(), images: [...images].sort(), phases: [...PHASES] };
}

const COUNT_GRANULARITY_MS = 60_000;

/** Created sandboxes per minute over the window (default: the last hour), oldest first, gap-free. */
function countSandboxes(x: Exchange): void {
  const filter = parseFilter(x.req.query);
  const end = filter.endMs ?? x.now;
  const start = filter.startMs ?? end - 3_600_000;
  const matching = [...x.store.sandboxes.values()].filter((s) =>
    matchesFilter(s, { ...filter, startMs: start, endMs: end + 1 }),
  );
  const points: { timestamp: string; count: number }[] = [];
  for (
    let bucket = Math.floor(start / COUNT_GRANULARITY_MS) * COUNT_GRANULARITY_MS;
    bucket <= end;
    bucket += COUNT_GRANULARITY_MS
  ) {
    const count = matching.filter((s) => s.createdMs >= bucket && s.createdMs < bucket + COUNT_GRANULARITY_MS).length;
    points.push({ timestamp: iso(bucket), count });
  }
  sendJson(x.res, 200, { points, granularity_ms: COUNT_GRANULARITY_MS });
}

function lookup(x: Exchange, records: Iterable<{ id: string; name: string }>, kind: string): void {
  const name = required(x.req.query, "name");
  const found = [...records].find((r) => r.name === name);
  if (!found) fail(404, `no ${kind} named ${name}`);
  sendJson(x.res, 200, { id: found.id });
}

function getLogs(x: Exchange): void {
  const sandbox = x.store.sandbox(x.id);
  const limitParam = Number(x.req.query.get("limit") ?? "0");
  if (!Number.isSafeInteger(limitParam) || limitParam < 0) fail(400, "limit must be a whole number, 0 or more");
  const limit = Math.min(limitParam === 0 ? 500 : limitParam, 5000);
  const cutoff = sinceCutoff(x.req.query.get("since"), x.now);
  const lines = sandbox.logs.filter((l) => cutoff === undefined || Date.parse(l.timestamp) >= cutoff);
  sendJson(x.res, 200, { sandbox_id: sandbox.id, logs: lines.slice(-limit) });
}

const ZERO_SUMMARY = {
  has_data: false,
  cpu_cores_p50: 0,
  cpu_cores_p90: 0,
  cpu_limit_cores: 0,
  cpu_util_p50_pct: 0,
  cpu_util_p90_pct: 0,
  mem_bytes_p50: 0,
  mem_bytes_p90: 0,
  mem_limit_bytes: 0,
  mem_util_p50_pct: 0,
  mem_util_p90_pct: 0,
};

function metricsSummary(x: Exchange): void {
  x.store.sandbox(x.id);
  const since = x.req.query.get("since") ?? "1h";
  const cutoff = sinceCutoff(since, x.now)!;
  sendJson(x.res, 200, { window_seconds: Math.round((x.now - cutoff) / 1000), ...ZERO_SUMMARY });
}

const METRIC_UNITS: Record<string, string> = {
  cpu_usage: "cores",
  cpu_reserved: "cores",
  memory_usage: "bytes",
  memory_reserved: "bytes",
  network_rx: "bytes/sec",
  network_tx: "bytes/sec",
};

/** One result with one series of three points spread over the asked-for window. */
function metrics(x: Exchange): void {
  const sandbox = x.store.sandbox(x.id);
  const metric = required(x.req.query, "metric");
  const unit = METRIC_UNITS[metric] ?? fail(400, `unknown metric ${metric}`);
  const start = Date.parse(required(x.req.query, "start_time_utc"));
  const end = Date.parse(required(x.req.query, "end_time_utc"));
  if (Number.isNaN(start) || Number.isNaN(end) || end < start)
    fail(400, "start_time_utc and end_time_utc must be timestamps, start first");
  const time_series = [0, 1, 2].map((i) => ({ timestamp_utc: iso(start + ((end - start) * i) / 2), value: i * 0.25 }));
  sendJson(x.res, 200, {
    results: [{ series: [{ labels: { pod: `pod-${sandbox.id}`, metric }, unit, time_series }] }],
  });
}

function listFiles(x: Exchange): void {
  const tree = x.store.files(x.id);
  const path = normalizePath(x.req.query.get("path") ?? "/");
  const node = tree.get(path) ?? fail(404, `${path} not found`);
  if (node.type !== "directory") fail(400, `${path} is not a directory`);
  const walked = walk(tree, path, x.store.settings.fileEntryBudget);
  const search = x.req.query.get("search");
  const entries = search ? prune(walked.entries, search.toLowerCase()) : walked.entries;
  sendJson(x.res, 200, { path: `/${path}`, entries, truncated: walked.truncated });
}

function readContent(x: Exchange): void {
  const path = normalizePath(required(x.req.query, "path"));
  const node = x.store.files(x.id).get(path) ?? fail(404, `${path} not found`);
  if (node.type !== "file") fail(400, `${path} is a directory`);
  const size = node.data.length;
  const headers = {
    "content-type": "application/octet-stream",
    "last-modified": new Date(node.modifiedMs).toUTCString(),
  };
  // Porter: a ranged read of an empty file comes back whole, with no Content-Range.
  const range = size === 0 ? undefined : parseRange(x.raw.headers.range, size);
  if (range === "unsatisfiable") {
    sendJson(x.res, 416, { error: `range not satisfiable for ${size} bytes` }, { "content-range": `bytes */${size}` });
    return;
  }
  const body = range ? node.data.subarray(range.start, range.end + 1) : node.data;
  const extra: Record<string, string> = range ? { "content-range": `bytes ${range.start}-${range.end}/${size}` } : {};
  x.res.writeHead(range ? 206 : 200, { ...headers, ...extra, "content-length": String(body.length) });
  x.res.end(body);
}

/** The API's answer to a write: a 307 to the upload path, which keeps the method and the body. */
function redirectWrite(x: Exchange): void {
  if (!x.store.settings.redirectWrites) return storeWrite(x);
  required(x.req.query, "path");
  x.store.files(x.id);
  const location = `${x.store.settings.basePath}${UPLOAD_PREFIX}/v1/volume/${encodeURIComponent(x.id)}/files/content?${x.req.query}`;
  x.res.writeHead(307, { location });
  x.res.end();
}

function storeWrite(x: Exchange): void {
  const path = normalizePath(required(x.req.query, "path"));
  x.store.files(x.id).write(path, x.req.body, x.now);
  sendEmpty(x.res, 204);
}

function moveFile(x: Exchange): void {
  const body = x.req.json as { from?: unknown; to?: unknown } | undefined;
  if (typeof body?.from !== "string" || typeof body.to !== "string") fail(400, "from and to are required strings");
  x.store.files(x.id).move(normalizePath(body.from), normalizePath(body.to));
  sendEmpty(x.res, 204);
}

/** POST /v1/sandbox/run with the configured faults: 503 before commit, a slow commit, a lost answer,
 * a late answer. */
async function createSandbox(x: Exchange): Promise<void> {
  const faults = x.server.faults;
  if (x.server.draw(faults.failBeforeCommit)) {
    x.store.faultCounts.failedBeforeCommit += 1;
    fail(503, "sandbox service unavailable");
  }
  if (faults.commitDelayMs) await x.server.sleep(faults.commitDelayMs);
  const sandbox = x.store.createSandbox(x.req.json, x.store.now());
  if (x.server.draw(faults.dropCreateResponses)) {
    x.store.faultCounts.droppedAfterCommit += 1;
    x.raw.socket.destroy();
    return;
  }
  if (faults.stallCreateMs && x.server.draw(faults.stallCreates ?? 1)) {
    x.store.faultCounts.stalled += 1;
    await x.server.sleep(faults.stallCreateMs);
    // The client may have given up (timed out) meanwhile: its socket is gone, nothing to answer.
    if (x.raw.socket.destroyed) return;
  }
  const answer: Record<string, unknown> = { id: sandbox.id, name: sandbox.name };
  if (sandbox.volume_mounts) answer.volume_mounts = { ...sandbox.volume_mounts };
  sendJson(x.res, 202, answer);
}

type Handler = (x: Exchange) => void | Promise<void>;

// Literal segments win over `{id}`: routes are tried in order and `counts` and `lookup` come first.
const ROUTES: [method: string, route: string, handler: Handler][] = [
  ["GET", "/healthz", (x) => sendJson(x.res, 200, { status: "ok" })],
  [
    "GET",
    "/readyz",
    (x) =>
      sendJson(x.res, 200, {
        status: "ok",
        active_sandboxes: [...x.store.sandboxes.values()].filter((s) => !ENDED.includes(s.phase)).length,
      }),
  ],
  ["POST", "/v1/sandbox/run", createSandbox],
  ["GET", "/v1/sandbox", listSandboxes],
  ["GET", "/v1/sandbox/counts", countSandboxes],
  ["GET", "/v1/sandbox/lookup", (x) => lookup(x, x.store.sandboxes.values(), "sandbox")],
  ["GET", "/v1/sandbox/{id}", (x) => sendJson(x.res, 200, sandboxRecord(x.store.sandbox(x.id)))],
  [
    "DELETE",
    "/v1/sandbox/{id}",
    (x) => (x.store.terminate(x.id, x.now), sendEmpty(x.res, x.store.settings.terminateStatus)),
  ],
  ["GET", "/v1/sandbox/{id}/logs", getLogs],
  ["POST", "/v1/sandbox/{id}/exec", (x) => sendJson(x.res, 200, x.store.exec(x.id, x.req.json, x.now))],
  ["GET", "/v1/sandbox/{id}/metrics-summary", metricsSummary],
  ["GET", "/v1/sandbox/{id}/metrics", metrics],
  [
    "POST",
    "/v1/sandbox/{id}/snapshot",
    (x) => sendJson(x.res, 202, snapshotRecord(x.store.createSnapshot(x.id, x.req.json, x.now))),
  ],
  ["GET", "/v1/snapshot", listSnapshots],
  [
    "DELETE",
    "/v1/snapshot/{id}",
    (x) => (x.store.snapshots.delete(x.id) ? sendEmpty(x.res, 204) : fail(404, `snapshot ${x.id} not found`)),
  ],
  [
    "GET",
    "/v1/volume",
    (x) =>
      sendJson(x.res, 200, {
        volumes: [...x.store.volumes.values()].map((v) => volumeRecord(v, x.store.attachedTo(v.id))),
      }),
  ],
  [
    "POST",
    "/v1/volume",
    (x) => {
      const volume = x.store.createVolume(x.req.json, x.now);
      sendJson(x.res, 201, volumeRecord(volume, []));
    },
  ],
  ["GET", "/v1/volume/lookup", (x) => lookup(x, x.store.volumes.values(), "volume")],
  ["GET", "/v1/volume/{id}", (x) => sendJson(x.res, 200, volumeRecord(x.store.volume(x.id), x.store.attachedTo(x.id)))],
  ["DELETE", "/v1/volume/{id}", (x) => (x.store.deleteVolume(x.id), sendEmpty(x.res, 204))],
  ["GET", "/v1/volume/{id}/files", listFiles],
  ["GET", "/v1/volume/{id}/files/content", readContent],
  ["PUT", "/v1/volume/{id}/files/content", redirectWrite],
  ["POST", "/v1/volume/{id}/files/move", moveFile],
  ["PUT", `${UPLOAD_PREFIX}/v1/volume/{id}/files/content`, storeWrite],
];

function listSnapshots(x: Exchange): void {
  const sandboxId = x.req.query.get("sandbox_id");
  const all = [...x.store.snapshots.values()].filter((s) => !sandboxId || s.sandbox_id === sandboxId);
  // Newest first; creation order breaks ties within one millisecond.
  const newestFirst = all
    .map((s, i) => [s, i] as const)
    .sort(([a, i], [b, j]) => b.t_created_unix_ms - a.t_created_unix_ms || j - i);
  sendJson(x.res, 200, { snapshots: newestFirst.map(([s]) => snapshotRecord(s)) });
}

/** The handler for `method path`, and the `{id}` segment it matched. */
function route(method: string, path: string): { handler: Handler; id: string } | undefined {
  const segments = path.split("/");
  for (const [m, pattern, handler] of ROUTES) {
    const parts = pattern.split("/");
    if (m !== method || parts.length !== segments.length) continue;
    let id = "";
    const fits = parts.every((part, i) =>
      part === "{id}" ? ((id = decodeURIComponent(segments[i]!)), id !== "") : part === segments[i],
    );
    if (fits) return { handler, id };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// The server

async function readRequest(raw: IncomingMessage, basePath: string): Promise<RecordedRequest> {
  const arrivedMs = Date.now();
  const chunks: Buffer[] = [];
  for await (const chunk of raw) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const u = new URL(raw.url ?? "/", "http://porter.test");
  let json: unknown;
  try {
    json = body.length > 0 ? JSON.parse(body.toString("utf8")) : undefined;
  } catch {
    json = undefined;
  }
  // A path outside the base path is marked so that it matches no route (and is answered 404).
  const path = u.pathname.startsWith(basePath) ? u.pathname.slice(basePath.length) || "/" : `\0${u.pathname}`;
  return {
    method: raw.method ?? "",
    url: raw.url ?? "",
    path,
    query: u.searchParams,
    headers: raw.headers,
    body,
    json,
    arrivedMs,
    readMs: Date.now(),
  };
}

export class PorterServer {
  /** Every request as it arrived, dropped and stalled ones included. */
  readonly requests: RecordedRequest[] = [];
  readonly store: PorterStore;
  readonly faults: PorterFaults;
  /** Base URL for the SDK: origin plus `basePath`. */
  url = "";
  readonly #http: Server;
  readonly #random: () => number;
  readonly #closing = new AbortController();

  constructor(options: PorterServerOptions = {}) {
    const { faults = {}, ...settings } = options;
    for (const name of ["failBeforeCommit", "dropCreateResponses", "stallCreates"] as const) {
      const fraction = faults[name];
      if (fraction !== undefined && !(fraction >= 0 && fraction <= 1))
        throw new Error(`faults.${name} must be a fraction between 0 and 1`);
    }
    this.store = new PorterStore({ ...DEFAULT_SETTINGS, ...settings });
    this.faults = faults;
    this.#random = seededRandom(faults.seed ?? 1);
    // Every stalled create waits on this signal; many may stall at once.
    setMaxListeners(0, this.#closing.signal);
    // A request the client aborted mid-body has nothing left to answer.
    this.#http = createServer((raw, res) => void this.#handle(raw, res).catch(() => raw.socket.destroy()));
  }

  /** Changes settings for the rest of the test, e.g. `configure({ terminateStatus: 200 })`. */
  configure(settings: Omit<PorterServerOptions, "faults" | "basePath">): void {
    Object.assign(this.store.settings, settings);
  }

  /** Moves the server's clock forward: queued sandboxes start, pending volumes and snapshots become
   * ready, as if `ms` had passed. */
  skipAhead(ms: number): void {
    this.store.clockOffsetMs += ms;
  }

  /** True for a fraction `p` of calls, drawn from the seeded PRNG (no draw is spent when p is 0). */
  draw(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.#random() < p;
  }

  /** Waits `ms`, or less when the server closes. */
  sleep(ms: number): Promise<void> {
    const closing = this.#closing.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        closing.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      closing.addEventListener("abort", done, { once: true });
    });
  }

  // Counters and records for assertions -------------------------------------------------------------

  /** Sandboxes really created (committed), whatever the client was told. */
  get sandboxCount(): number {
    return this.store.sandboxes.size;
  }

  sandboxesNamed(name: string): number {
    return [...this.store.sandboxes.values()].filter((s) => s.name === name).length;
  }

  sandboxesTagged(key: string, value: string): number {
    return [...this.store.sandboxes.values()].filter((s) => s.tags[key] === value).length;
  }

  /** The sandbox's record as GET /v1/sandbox/{id} would answer, or undefined. */
  sandbox(id: string): Record<string, unknown> | undefined {
    const s = this.store.sandboxes.get(id);
    return s && sandboxRecord(s);
  }

  get faultCounts(): Readonly<FaultCounts> {
    return this.store.faultCounts;
  }

  /** Writes a file straight into a volume's tree, for test setup. */
  putFile(volumeId: string, path: string, data: string | Uint8Array): void {
    this.store.files(volumeId).write(normalizePath(path), Buffer.from(data), this.store.now());
  }

  /** Requests whose method and path (below basePath, query excluded) match. */
  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  // Lifecycle ---------------------------------------------------------------------------------------

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#http.listen(0, "127.0.0.1", resolve));
    const { port } = this.#http.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${this.store.settings.basePath}`;
    return this;
  }

  close(): Promise<void> {
    this.#closing.abort();
    return new Promise((resolve) => {
      this.#http.closeAllConnections();
      this.#http.close(() => resolve());
    });
  }

  async #handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const req = await readRequest(raw, this.store.settings.basePath);
    this.requests.push(req);
    try {
      const key = this.store.settings.apiKey;
      if (key !== undefined && req.headers.authorization !== `Bearer ${key}`) fail(401, "invalid or missing API key");
      const found = route(req.method, req.path) ?? fail(404, `no route for ${req.method} ${req.path}`);
      const now = this.store.now();
      this.store.advance(now);
      await found.handler({ req, raw, res, id: found.id, store: this.store, server: this, now });
    } catch (error) {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof HttpError) sendJson(res, error.status, { error: error.message });
      else sendJson(res, 500, { error: `internal error: ${String(error)}` });
    }
  }
}

export async function startPorterServer(options: PorterServerOptions = {}): Promise<PorterServer> {
  return new PorterServer(options).listen();
}

/** For one test file: a `start` that starts a Porter server and closes it after the test that started it. */
export function usePorterServers(): (options?: PorterServerOptions) => Promise<PorterServer> {
  const open: PorterServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((server) => server.close()));
  });
  return async (options) => {
    const server = await startPorterServer(options);
    open.push(server);
    return server;
  };
}
