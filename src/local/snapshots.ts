// Snapshot operations. A snapshot copies the sandbox's working directory (volumes stay links, not
// copies); it is `pending` while the copy runs, then `ready` (or `failed`). Nothing restores from it:
// the records follow the spec, which designs no restore.
import { cp, rm } from "node:fs/promises";
import path from "node:path";
import type { Handler } from "./handler.js";
import { conflict, notFound } from "./http.js";
import { newId } from "./ids.js";
import { snapshotRecord } from "./records.js";
import type { SnapshotState } from "./store.js";

export const createSnapshot: Handler = ({ store, input }) => {
  const s = store.sandbox(input.path.id!);
  if (s.phase !== "running") throw conflict(`sandbox ${s.id} is not running (phase ${s.phase})`);
  const { name } = input.body as { name?: string };
  if (name !== undefined && [...store.snapshots.values()].some((x) => x.name === name)) {
    throw conflict(`snapshot name "${name}" is already taken`);
  }
  const id = newId("snap");
  const snap: SnapshotState = { id, sandboxId: s.id, name: name ?? id, phase: "pending", createdAt: Date.now(), dir: path.join(store.dirs.snapshots, id) };
  store.snapshots.set(id, snap);
  store.track(
    cp(s.workdir, snap.dir, { recursive: true, verbatimSymlinks: true }).then(
      () => void (snap.phase = "ready"),
      () => void (snap.phase = "failed"),
    ),
  );
  return { status: 201, json: snapshotRecord(snap) };
};

export const listSnapshots: Handler = ({ store, input }) => {
  const only = input.query.sandbox_id as string | undefined;
  const list = [...store.snapshots.values()].filter((x) => only === undefined || x.sandboxId === only).reverse();
  return { status: 200, json: { snapshots: list.map(snapshotRecord) } };
};

export const deleteSnapshot: Handler = async ({ store, input }) => {
  const snap = store.snapshots.get(input.path.id!);
  if (!snap) throw notFound(`snapshot ${input.path.id} not found`);
  store.snapshots.delete(snap.id);
  await rm(snap.dir, { recursive: true, force: true });
  return { status: 204 };
};
