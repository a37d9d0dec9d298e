// Snapshot records: taken only of running sandboxes, pending then ready, names unique, listed newest
// first per sandbox, deleted once.
import { describe, expect, it } from "vitest";
import { eventually, json, uniqueName, useServer } from "./harness.js";

const h = useServer();

describe("snapshots", () => {
  it("takes snapshots of a running sandbox, lists them newest first, and deletes them", async () => {
    const s = await h.porter.sandboxes.create({ image: "alpine" });
    await s.waitUntilRunning({ pollIntervalMs: 10 });
    await s.exec(["sh", "-c", "echo state > state.txt"]);
    const name = uniqueName("snap");
    const first = await h.http(`/v1/sandbox/${s.id}/snapshot`, json({ name }));
    expect(first.status).toBe(201);
    expect(first.headers.get("x-request-id")).toMatch(/^req_/);
    const a = await first.json();
    expect(a).toMatchObject({ sandbox_id: s.id, name, phase: "pending" });
    expect(a.id).toMatch(/^snap_[0-9a-z]{26}$/);
    const b = await (await h.http(`/v1/sandbox/${s.id}/snapshot`, json({}))).json();
    expect(b.name).toBe(b.id);

    const listed = async () => (await (await h.http(`/v1/snapshot?sandbox_id=${s.id}`)).json()).snapshots;
    await eventually(async () => ((await listed()).every((x: { phase: string }) => x.phase === "ready") ? true : undefined));
    expect((await listed()).map((x: { id: string }) => x.id)).toEqual([b.id, a.id]);
    expect((await (await h.http("/v1/snapshot?sandbox_id=sbx_other")).json())).toEqual({ snapshots: [] });
    expect((await (await h.http("/v1/snapshot")).json()).snapshots.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([a.id, b.id]));

    const taken = await h.http(`/v1/sandbox/${s.id}/snapshot`, json({ name }));
    expect([taken.status, (await taken.json()).error]).toEqual([409, `snapshot name "${name}" is already taken`]);

    expect((await h.http(`/v1/snapshot/${a.id}`, { method: "DELETE" })).status).toBe(204);
    const again = await h.http(`/v1/snapshot/${a.id}`, { method: "DELETE" });
    expect([again.status, (await again.json()).code]).toEqual([404, "not_found"]);
    expect((await listed()).map((x: { id: string }) => x.id)).toEqual([b.id]);
    await s.terminate();
    // Records outlive the sandbox, but an ended sandbox cannot be snapshotted.
    expect((await listed()).map((x: { id: string }) => x.id)).toEqual([b.id]);
    const ended = await h.http(`/v1/sandbox/${s.id}/snapshot`, json({}));
    expect([ended.status, (await ended.json()).error]).toEqual([409, `sandbox ${s.id} is not running (phase terminated)`]);
    expect((await h.http("/v1/sandbox/sbx_nope/snapshot", json({}))).status).toBe(404);
  });
});
