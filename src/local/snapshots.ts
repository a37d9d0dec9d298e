// Snapshot operations. A snapshot of a running sandbox copies its working directory, for real (the
// sandbox keeps running); it is `pending` while the copy runs, then `ready` with `size_bytes`, or
// `failed` with `failure_reason` (a failed record stays, as in Porter's API). Only the "filesystem"
// mode exists locally. A sandbox created with `snapshot_id` starts from a copy (sandboxes.ts).
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Handler } from "./handler.js";
import { badRequest, conflict } from "./http.js";
import { newId } from "./ids.js";
import { snapshotRecord } from "./records.js";
import { copyTree, treeBytes } from "./snapshot-files.js";
import type { SandboxState, SnapshotState, Store } from "./store.js";

export const DEFAULT_SNAPSHOT_MODE = "filesystem";

async function capture(sandbox: SandboxState, snap: SnapshotState): Promise<void> {
  try {
    await copyTree(sandbox.workdir, snap.dir, sandbox.mountLinks);
    snap.sizeBytes = await treeBytes(snap.dir);
    snap.readyAt = Date.now();
    snap.status = "ready";
  } catch (error) {
    // E.g. the sandbox ended, and its working directory was discarded, during the copy.
    snap.status = "failed";
    snap.failureReason = `copying the sandbox's files failed: ${(error as Error).message}`;
    await rm(snap.dir, { recursive: true, force: true });
  }
}

function newSnapshot(store: Store, sandbox: SandboxState, mode: string): SnapshotState {
  const id = newId("snap");
  return {
    id,
    sandboxId: sandbox.id,
    sourceImage: sandbox.image,
    mode,
    status: "pending",
    createdAt: Date.now(),
    readyAt: undefined,
    failureReason: undefined,
    sizeBytes: undefined,
    dir: path.join(store.dirs.snapshots, id),
    capture: Promise.resolve(),
  };
}

export const createSnapshot: Handler = ({ store, input }) => {
  const sandbox = store.sandbox(input.path.id!);
  const mode = (input.body as { mode?: string }).mode ?? DEFAULT_SNAPSHOT_MODE;
  if (mode !== DEFAULT_SNAPSHOT_MODE) {
    throw badRequest(
      `invalid request: mode: the local server can only capture files ("${DEFAULT_SNAPSHOT_MODE}"), not ${JSON.stringify(mode)}`,
    );
  }
  if (sandbox.phase !== "running") throw conflict(`sandbox ${sandbox.id} is not running (phase ${sandbox.phase})`);
  const snap = newSnapshot(store, sandbox, mode);
  snap.capture = capture(sandbox, snap);
  store.snapshots.set(snap.id, snap);
  store.track(snap.capture);
  return { status: 201, json: snapshotRecord(snap) };
};

export const listSnapshots: Handler = ({ store, input }) => {
  const only = input.query.sandbox_id as string | undefined;
  // Newest first: the map keeps creation order.
  const list = [...store.snapshots.values()].filter((x) => only === undefined || x.sandboxId === only).reverse();
  return { status: 200, json: { snapshots: list.map(snapshotRecord) } };
};

export const deleteSnapshot: Handler = async ({ store, input }) => {
  const snap = store.snapshot(input.path.id!);
  store.snapshots.delete(snap.id);
  // A copy still running would recreate what is removed under it.
  await snap.capture;
  await rm(snap.dir, { recursive: true, force: true });
  return { status: 204 };
};
