// Sandbox operations: create, get, lookup, terminate, and the health endpoints.
import { mkdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import type { Handler } from "./handler.js";
import { badRequest, conflict, notFound } from "./http.js";
import { newId } from "./ids.js";
import { end, launch } from "./lifecycle.js";
import { LogBook } from "./logs.js";
import { statusRecord } from "./records.js";
import { LIVE_PHASES, type SandboxSpec, type SandboxState, type Store, type VolumeState } from "./store.js";

// Mount paths as relative paths inside the working dir; one may not contain another, since the
// inner link would then be created inside the outer volume.
function mountsOf(store: Store, mounts: Record<string, string> | undefined): [string, VolumeState][] {
  const out: [string, VolumeState][] = [];
  for (const [mountPath, volumeId] of Object.entries(mounts ?? {})) {
    const rel = path.posix.normalize(mountPath).replace(/^\/+|\/+$/g, "");
    if (rel === "" || rel === ".") throw badRequest(`invalid request: volume_mounts: cannot mount a volume at "${mountPath}"`);
    const other = out.find(([p]) => p === rel || p.startsWith(`${rel}/`) || rel.startsWith(`${p}/`));
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

export const createSandbox: Handler = ({ store, input }) => {
  const spec = input.body as SandboxSpec;
  if (spec.name !== undefined && store.sandboxNames.has(spec.name)) throw conflict(`name "${spec.name}" is already taken`);
  const id = newId("sbx");
  const workdir = path.join(store.dirs.sandboxes, id);
  const mounts = mountsOf(store, spec.volume_mounts);
  const env = envOf(store, spec, workdir);
  // Each mount is a symlink at `<workdir>/<mount path>`: no container, so the path is relative to the working dir.
  mkdirSync(workdir);
  for (const [rel, volume] of mounts) {
    const link = path.join(workdir, rel);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(volume.dir, link, "dir");
  }
  const s: SandboxState = {
    id, name: spec.name ?? id, spec, seq: store.nextSeq(), phase: "creating", exitCode: null,
    createdAt: Date.now(), startedAt: null, endedAt: null, workdir, env,
    log: new LogBook(), groups: new Set(), timers: new Set(),
  };
  store.sandboxes.set(id, s);
  store.sandboxNames.set(s.name, id);
  for (const [, volume] of mounts) volume.attachedTo.add(id);
  launch(store, s);
  const status = statusRecord(s);
  return { status: 201, json: { id, name: s.name, ...(status.volume_mounts ? { volume_mounts: status.volume_mounts } : {}), status } };
};

export const getSandbox: Handler = ({ store, input }) => ({ status: 200, json: statusRecord(store.sandbox(input.path.id!)) });

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
