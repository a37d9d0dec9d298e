// Snapshots in Porter's shape, with raw HTTP: a real copy of a running sandbox's files (volumes left
// out), pending then ready with its size, listed newest first, deleted with its files; new sandboxes
// start from a copy of it, reporting the snapshot's source image.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eventually, json, post, runningSandbox, sh, terminate, useServer } from "./harness.js";

const h = useServer();

interface Snapshot {
  id: string;
  sandbox_id: string;
  mode: string;
  status: string;
  t_created_unix_ms?: number;
  t_ready_unix_ms?: number;
  failure_reason?: string;
  size_bytes?: number;
}

const listed = async (sandboxId?: string): Promise<Snapshot[]> =>
  (await (await h.http(`/v1/snapshot${sandboxId ? `?sandbox_id=${sandboxId}` : ""}`)).json()).snapshots;
const settled = (sandboxId: string, id: string) =>
  eventually(async () => (await listed(sandboxId)).find((x) => x.id === id && x.status !== "pending"));
const snapshotDir = (id: string) => path.join(h.server.stateDir, "snapshots", id);

describe("taking snapshots", () => {
  it("copies the working directory for real: pending, then ready with t_ready_unix_ms and size_bytes", async () => {
    const volume = (await post(h, "/v1/volume", {}, 201)).id;
    const source = await runningSandbox(h, { image: "python:3.12", volume_mounts: { "/mnt/v": volume } });
    await sh(
      h,
      source,
      "printf 'state\\n' > state.txt && mkdir -p sub && head -c 1000 /dev/zero > sub/data.bin && printf volume-only > mnt/v/big.txt",
    );
    const before = Date.now();
    const res = await h.http(`/v1/sandbox/${source}/snapshot`, json({}));
    expect(res.status).toBe(201);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const snap: Snapshot = await res.json();
    expect(snap).toEqual({
      id: expect.stringMatching(/^snap_[0-9a-z]{26}$/),
      sandbox_id: source,
      mode: "filesystem",
      status: "pending",
      t_created_unix_ms: expect.any(Number),
    });
    expect(snap.t_created_unix_ms).toBeGreaterThanOrEqual(before);

    const ready = await settled(source, snap.id);
    expect(ready).toMatchObject({ status: "ready", mode: "filesystem", size_bytes: 6 + 1000 });
    expect(ready.t_ready_unix_ms).toBeGreaterThanOrEqual(snap.t_created_unix_ms!);
    expect(ready).not.toHaveProperty("failure_reason");
    // A copy on disk, not a reference: the volume is not in it, and later changes do not reach it.
    expect(readFileSync(path.join(snapshotDir(snap.id), "state.txt"), "utf8")).toBe("state\n");
    expect(existsSync(path.join(snapshotDir(snap.id), "mnt/v"))).toBe(false);
    await sh(h, source, "printf changed > state.txt");
    expect(readFileSync(path.join(snapshotDir(snap.id), "state.txt"), "utf8")).toBe("state\n");
    await terminate(h, source);
  });

  it("accepts mode filesystem and refuses any other mode with 400 naming the field", async () => {
    const source = await runningSandbox(h, { image: "alpine" });
    const explicit = await post<Snapshot>(h, `/v1/sandbox/${source}/snapshot`, { mode: "filesystem" }, 201);
    expect(explicit.mode).toBe("filesystem");
    const memory = await h.http(`/v1/sandbox/${source}/snapshot`, json({ mode: "memory" }));
    expect([memory.status, await memory.json()]).toEqual([
      400,
      {
        error: 'invalid request: mode: the local server can only capture files ("filesystem"), not "memory"',
        code: "invalid_request",
      },
    ]);
    expect((await listed(source)).map((x) => x.id)).toEqual([explicit.id]);
    await terminate(h, source);
  });

  it("keeps a failed capture's record with its failure_reason", async () => {
    const source = await runningSandbox(h, { image: "alpine" });
    // A named pipe cannot be copied as a file: the capture fails.
    await sh(h, source, "mkfifo pipe");
    const snap = await post<Snapshot>(h, `/v1/sandbox/${source}/snapshot`, {}, 201);
    const failed = await settled(source, snap.id);
    expect(failed.status).toBe("failed");
    expect(failed.failure_reason).toMatch(/^copying the sandbox's files failed: /);
    expect(failed).not.toHaveProperty("size_bytes");
    // Nothing can start from it.
    const start = await h.http("/v1/sandbox/run", json({ image: "", snapshot_id: snap.id }));
    expect([start.status, (await start.json()).error]).toEqual([
      409,
      `snapshot ${snap.id} is not ready (status failed)`,
    ]);
    await terminate(h, source);
  });

  it("lists newest first, by sandbox, and deletes a snapshot with its files", async () => {
    const one = await runningSandbox(h, { image: "alpine" });
    const other = await runningSandbox(h, { image: "alpine" });
    const a = await post<Snapshot>(h, `/v1/sandbox/${one}/snapshot`, {}, 201);
    const b = await post<Snapshot>(h, `/v1/sandbox/${one}/snapshot`, {}, 201);
    const c = await post<Snapshot>(h, `/v1/sandbox/${other}/snapshot`, {}, 201);
    await settled(one, a.id);
    await settled(one, b.id);
    expect((await listed(one)).map((x) => x.id)).toEqual([b.id, a.id]);
    expect((await listed()).map((x) => x.id).slice(0, 3)).toEqual([c.id, b.id, a.id]);
    expect(await listed("sbx_other")).toEqual([]);

    expect(existsSync(snapshotDir(a.id))).toBe(true);
    expect((await h.http(`/v1/snapshot/${a.id}`, { method: "DELETE" })).status).toBe(204);
    expect(existsSync(snapshotDir(a.id))).toBe(false);
    const again = await h.http(`/v1/snapshot/${a.id}`, { method: "DELETE" });
    expect([again.status, (await again.json()).code]).toEqual([404, "not_found"]);
    expect((await listed(one)).map((x) => x.id)).toEqual([b.id]);
    await terminate(h, one);
    // Records outlive the sandbox, but an ended sandbox cannot be snapshotted.
    expect((await listed(one)).map((x) => x.id)).toEqual([b.id]);
    const ended = await h.http(`/v1/sandbox/${one}/snapshot`, json({}));
    expect([ended.status, (await ended.json()).error]).toEqual([
      409,
      `sandbox ${one} is not running (phase terminated)`,
    ]);
    expect((await h.http("/v1/sandbox/sbx_nope/snapshot", json({}))).status).toBe(404);
    await terminate(h, other);
  });
});

describe("starting from a snapshot", () => {
  it("starts a sandbox with a copy of the snapshot's files, reporting the snapshot's source image", async () => {
    const volume = (await post(h, "/v1/volume", {}, 201)).id;
    const source = await runningSandbox(h, { image: "python:3.12", volume_mounts: { "/mnt/v": volume } });
    await sh(h, source, "mkdir -p app && printf 'print(1)' > app/main.py && printf shared > mnt/v/on-volume.txt");
    const snap = await post<Snapshot>(h, `/v1/sandbox/${source}/snapshot`, {}, 201);
    await settled(source, snap.id);
    await terminate(h, source);

    const created = await post(
      h,
      "/v1/sandbox/run",
      { image: "", snapshot_id: snap.id, command: ["sleep", "60"] },
      202,
    );
    expect(created.status).toMatchObject({ image: "python:3.12" });
    await eventually(async () =>
      (await (await h.http(`/v1/sandbox/${created.id}`)).json()).phase === "running" ? true : undefined,
    );
    expect((await (await h.http(`/v1/sandbox/${created.id}`)).json()).image).toBe("python:3.12");
    expect(await sh(h, created.id, "cat app/main.py")).toBe("print(1)");
    // The snapshot carries no volumes: only those of the new request are mounted.
    expect(await sh(h, created.id, "test -e mnt/v && echo mounted || echo absent")).toBe("absent\n");
    // Its files are its own: a change does not reach the snapshot, nor a second sandbox started from it.
    await sh(h, created.id, "printf changed > app/main.py");
    const second = await runningSandbox(h, { image: "", snapshot_id: snap.id, volume_mounts: { "/app": volume } });
    expect(await sh(h, second, "ls app")).toBe("on-volume.txt\n");
    const third = await runningSandbox(h, { image: "", snapshot_id: snap.id });
    expect(await sh(h, third, "cat app/main.py")).toBe("print(1)");
    const sameImage = await (await h.http(`/v1/sandbox?image=python:3.12`)).json();
    expect(sameImage.sandboxes.map((s: { id: string }) => s.id)).toEqual(
      expect.arrayContaining([created.id, second, third]),
    );
    for (const id of [created.id, second, third]) await terminate(h, id);
  });

  it("refuses a create with neither image nor snapshot_id, or both (400), an unknown snapshot (404)", async () => {
    const cases: [unknown, number, string][] = [
      [{ image: "" }, 400, "invalid request: image: is required (non-empty) unless snapshot_id is set"],
      [
        { image: "alpine", snapshot_id: "snap_x" },
        400,
        "invalid request: image: must be empty when snapshot_id is set (the snapshot supplies the filesystem)",
      ],
      [{ image: "", snapshot_id: "snap_missing" }, 404, "snapshot snap_missing not found"],
    ];
    for (const [spec, status, error] of cases) {
      const res = await h.http("/v1/sandbox/run", json(spec));
      expect([res.status, (await res.json()).error]).toEqual([status, error]);
    }
  });
});
