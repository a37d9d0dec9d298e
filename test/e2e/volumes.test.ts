// Volumes: names unique while they exist, mounting through volume_mounts (visible inside the working
// dir), attached_to, delete refused while attached, detach when the sandbox ends.
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../src/index.js";
import { json, uniqueName, useServer } from "./harness.js";

const h = useServer();

describe("volumes", () => {
  it("creates ready volumes, looks them up by name, gets and lists them", async () => {
    const name = uniqueName("data");
    const v = await h.porter.volumes.create({ name });
    expect(v).toMatchObject({ name, phase: "ready", attached_to: [] });
    expect(v.id).toMatch(/^vol_[0-9a-z]{26}$/);
    expect(Date.parse(v.created_at)).not.toBeNaN();
    expect((await h.porter.volumes.get(name)).id).toBe(v.id);
    expect((await (await h.http(`/v1/volume/lookup?name=${name}`)).json())).toEqual({ id: v.id });
    expect((await h.porter.volumes.list()).map((x) => x.id)).toContain(v.id);
    const unnamed = await h.porter.volumes.create();
    expect(unnamed.name).toBe(unnamed.id);
    await v.delete();
    await unnamed.delete();
  });

  it("keeps names unique while the volume exists, and free again once it is deleted", async () => {
    const name = uniqueName("reuse");
    const first = await h.porter.volumes.create({ name });
    const err = await h.porter.volumes.create({ name }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).code).toBe("conflict");
    await first.delete();
    await expect(h.porter.volumes.get(first.id)).rejects.toBeInstanceOf(NotFoundError);
    const lookup = await h.http(`/v1/volume/lookup?name=${name}`);
    expect(lookup.status).toBe(404);
    const second = await h.porter.volumes.create({ name });
    expect(second.id).not.toBe(first.id);
    expect((await h.porter.volumes.get(name)).id).toBe(second.id);
    await second.delete();
    const gone = await h.http(`/v1/volume/${second.id}`, { method: "DELETE" });
    expect([gone.status, (await gone.json()).code]).toEqual([404, "not_found"]);
  });

  it("mounts into sandboxes, records attached_to, refuses delete while attached, detaches when they end", async () => {
    const v = await h.porter.volumes.create();
    const a = await h.porter.sandboxes.create({ image: "alpine", volume_mounts: { "/mnt/data": v.id } });
    const b = await h.porter.sandboxes.create({ image: "alpine", volume_mounts: { "/data/shared/": v.id }, command: ["sleep", "60"] });
    expect(a.volume_mounts).toEqual({ "/mnt/data": v.id });
    expect((await v.refresh()).attached_to.sort()).toEqual([a.id, b.id].sort());
    const refused = await h.http(`/v1/volume/${v.id}`, { method: "DELETE" });
    expect(refused.status).toBe(409);
    const body = await refused.json();
    expect(body.code).toBe("conflict");
    expect(body.error).toContain(a.id);
    expect(body.error).toContain(b.id);
    expect(refused.headers.get("x-request-id")).toMatch(/^req_/);

    // The mount is visible inside each sandbox's working dir at the mount path.
    await a.waitUntilRunning({ pollIntervalMs: 10 });
    await b.waitUntilRunning({ pollIntervalMs: 10 });
    await a.exec(["sh", "-c", "mkdir -p mnt/data/sub && echo shared > mnt/data/sub/file.txt"]);
    expect((await b.exec(["cat", "data/shared/sub/file.txt"])).stdout).toBe("shared\n");

    await a.terminate();
    expect((await v.refresh()).attached_to).toEqual([b.id]);
    await b.terminate();
    expect((await v.refresh()).attached_to).toEqual([]);
    // Files outlive the sandboxes; a new sandbox sees them.
    const c = await h.porter.sandboxes.create({ image: "alpine", volume_mounts: { "/work": v.id } });
    await c.waitUntilRunning({ pollIntervalMs: 10 });
    expect((await c.exec(["cat", "work/sub/file.txt"])).stdout).toBe("shared\n");
    await c.terminate();
    await v.delete();
  });

  it("refuses mounts of unknown volumes (404) and at the root or overlapping paths (400)", async () => {
    const missing = await h.http("/v1/sandbox/run", json({ image: "alpine", volume_mounts: { "/mnt": "vol_missing" } }));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "volume vol_missing not found", code: "not_found" });
    const v = await h.porter.volumes.create();
    for (const mounts of [{ "/": v.id }, { "/mnt": v.id, "/mnt/inner": v.id }]) {
      const res = await h.http("/v1/sandbox/run", json({ image: "alpine", volume_mounts: mounts }));
      expect(res.status).toBe(400);
      expect((await res.json()).code).toBe("invalid_request");
    }
    expect((await v.refresh()).attached_to).toEqual([]);
    await v.delete();
  });
});
