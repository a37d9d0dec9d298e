// Sandbox operations: create (from an image or a snapshot), get, lookup, terminate, and the health endpoints.
import { mkdir, rm, symlink } from "node:fs/promises";
import path from "node:path";
import type { Handler } from "./handler.js";
import { badRequest, conflict, notFound } from "./http.js";
import { newId } from "./ids.js";
import { end, launch } from "./lifecycle.js";
import { LogBook } from "./logs.js";
import { statusRecord } from "./records.js";
import { copyTree } from "./snapshot-files.js";
import {
  LIVE_PHASES,
  type SandboxSpec,
  type SandboxState,
  type SnapshotState,
  type Store,
  type VolumeState,
} from "./store.js";
import { UsageLog } from "./usage.js";

/** Whether two relative mount paths are the same or one lies inside the other. */
function overlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

// Mount paths as relative paths inside the working dir; one may not contain another, since the
// inner link would then be created inside the outer volume.
function mountsOf(store: Store, mounts: Record<string, string> | undefined): [string, VolumeState][] {
  const out: [string, VolumeState][] = [];
  for (const [mountPath, volumeId] of Object.entries(mounts ?? {})) {
    const rel = path.posix.normalize(mountPath).replace(/^\/+|\/+$/g, "");
    if (rel === "" || rel === ".")
      throw badRequest(`invalid request: volume_mounts: cannot mount a volume at "${mountPath}"`);
    const other = out.find(([p]) => overlap(p, rel));
    if (other) throw badRequest(`invalid request: volume_mounts: "${mountPath}" overlaps another mount path`);
    const volume = store.volumes.get(volumeId);
    if (!volume) throw notFound(`volume ${volumeId} not found`);
    out.push([rel, volume]);
  }
  return out;
}

// A minimal environment, never the server's own: PATH, HOME (the working dir), then the env groups
// in order, then the sandbox's `env`, each winning over what came before.
function envOf(store: Store, spec: SandboxSpec, workdir: string): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", HOME: workdir };
  for (const group of spec.env_groups ?? []) {
    const vars = store.options.envGroups[group];
    if (!vars) throw notFound(`env group ${JSON.stringify(group)} not found`);
    Object.assign(env, vars);
  }
  return Object.assign(env, spec.env);
}

/** What the sandbox starts from: an image, or a ready snapshot (whose files it gets, and whose source
 * image its record shows). Porter's rule: with `snapshot_id`, `image` is left empty. */
function sourceOf(store: Store, spec: SandboxSpec): { image: string; snapshot?: SnapshotState } {
  if (spec.snapshot_id === undefined) {
    if (!spec.image) throw badRequest("invalid request: image: is required (non-empty) unless snapshot_id is set");
    return { image: spec.image };
  }
  if (spec.image)
    throw badRequest(
      "invalid request: image: must be empty when snapshot_id is set (the snapshot supplies the filesystem)",
    );
  const snapshot = store.snapshot(spec.snapshot_id);
  if (snapshot.status !== "ready") throw conflict(`snapshot ${snapshot.id} is not ready (status ${snapshot.status})`);
  return { image: snapshot.sourceImage, snapshot };
}

/** Fills a new working dir: the snapshot's files when there is one, then a symlink per mount at
 * `<workdir>/<mount path>` (no container, so mount paths are relative to the working dir). A mount
 * hides whatever the snapshot had at its path, as a container mount does. */
async function prepareWorkdir(
  store: Store,
  workdir: string,
  snapshot: SnapshotState | undefined,
  mounts: [string, VolumeState][],
): Promise<string[]> {
  if (snapshot) {
    await copyTree(snapshot.dir, workdir).catch((error: unknown) => {
      // Deleted while being copied from.
      if (!store.snapshots.has(snapshot.id)) throw notFound(`snapshot ${snapshot.id} not found`);
      throw error;
    });
  } else {
    await mkdir(workdir);
  }
  const links: string[] = [];
  for (const [rel, volume] of mounts) {
    const link = path.join(workdir, rel);
    await rm(link, { recursive: true, force: true });
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(volume.dir, link, "dir");
    links.push(link);
  }
  return links;
}

function newSandbox(store: Store, spec: SandboxSpec, image: string): SandboxState {
  const id = newId("sbx");
  const workdir = path.join(store.dirs.sandboxes, id);
  return {
    id,
    name: spec.name ?? id,
    spec,
    image,
    seq: store.nextSeq(),
    phase: "creating",
    exitCode: null,
    createdAt: Date.now(),
    startedAt: null,
    endedAt: null,
    workdir,
    mountLinks: new Set(),
    env: envOf(store, spec, workdir),
    log: new LogBook(),
    groups: new Set(),
    timers: new Set(),
    usage: new UsageLog(),
  };
}

// Everything that can be refused is checked before anything is created.
export const createSandbox: Handler = async ({ store, input }) => {
  const spec = input.body as SandboxSpec;
  if (spec.name !== undefined && store.sandboxNames.has(spec.name))
    throw conflict(`name "${spec.name}" is already taken`);
  const { image, snapshot } = sourceOf(store, spec);
  const mounts = mountsOf(store, spec.volume_mounts);
  const s = newSandbox(store, spec, image);
  // Claimed before the working dir is filled: the name cannot be taken meanwhile, nor the volumes deleted.
  store.sandboxNames.set(s.name, s.id);
  for (const [, volume] of mounts) volume.attachedTo.add(s.id);
  try {
    for (const link of await prepareWorkdir(store, s.workdir, snapshot, mounts)) s.mountLinks.add(link);
  } catch (error) {
    store.sandboxNames.delete(s.name);
    for (const [, volume] of mounts) volume.attachedTo.delete(s.id);
    await rm(s.workdir, { recursive: true, force: true });
    throw error;
  }
  store.sandboxes.set(s.id, s);
  launch(store, s);
  const status = statusRecord(s);
  return {
    status: 202,
    json: { id: s.id, name: s.name, ...(status.volume_mounts ? { volume_mounts: status.volume_mounts } : {}), status },
  };
};

export const getSandbox: Handler = ({ store, input }) => ({
  status: 200,
  json: statusRecord(store.sandbox(input.path.id!)),
});

export const lookupSandbox: Handler = ({ store, input }) => {
  const name = input.query.name as string;
  const id = store.sandboxNames.get(name);
  if (!id) throw notFound(`no sandbox is named "${name}"`);
  return { status: 200, json: { id } };
};

export const terminateSandbox: Handler = ({ store, input }) => {
  end(store, store.sandbox(input.path.id!), "terminated", null);
  return { status: 204 };
};

export const healthCheck: Handler = () => ({ status: 200, json: { status: "ok" } });

export const readinessCheck: Handler = ({ store }) => {
  let active = 0;
  for (const s of store.sandboxes.values()) if (LIVE_PHASES.includes(s.phase)) active++;
  return { status: 200, json: { status: "ok", active_sandboxes: active } };
};
