// Volumes: names unique while they exist, mounting through volume_mounts (visible inside the working
// dir), attached_to, delete refused while attached, detach when the sandbox ends; records in Porter's
// shape (type, path), and object volumes emulated as bucket directories.
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../src/index.js";
import { json, runningSandbox, sh, terminate, uniqueName, useServer } from "./harness.js";

const h = useServer();

describe("volumes", () => {
  it("creates ready volumes, looks them up by name, gets and lists them", async () => {
    const name = uniqueName("data");
    const v = await h.porter.volumes.create({ name });
    expect(v).toMatchObject({ name, phase: "ready", attached_to: [] });
    expect(v.id).toMatch(/^vol_[0-9a-z]{26}$/);
    expect(Date.parse(v.created_at)).not.toBeNaN();
    expect((await h.porter.volumes.get(name)).id).toBe(v.id);
    expect(await (await h.http(`/v1/volume/lookup?name=${name}`)).json()).toEqual({ id: v.id });
    expect((await h.porter.volumes.list()).map((x) => x.id)).toContain(v.id);
    const unnamed = await h.porter.volumes.create();
    expect(unnamed.name).toBe(unnamed.id);
    // An unnamed volume's name is its id (`vol_…`, no DNS label), and the lookup resolves it.
    const raw = await h.porter.raw.GET("/v1/volume/lookup", { params: { query: { name: unnamed.id } } });
    expect([raw.data, raw.error]).toEqual([{ id: unnamed.id }, undefined]);
    expect(await (await h.http(`/v1/volume/lookup?name=${unnamed.id}`)).json()).toEqual({ id: unnamed.id });
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
    const b = await h.porter.sandboxes.create({
      image: "alpine",
      volume_mounts: { "/data/shared/": v.id },
      command: ["sleep", "60"],
    });
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
    await a.waitUntilRunning();
    await b.waitUntilRunning();
    await a.exec(["sh", "-c", "mkdir -p mnt/data/sub && echo shared > mnt/data/sub/file.txt"]);
    expect((await b.exec(["cat", "data/shared/sub/file.txt"])).stdout).toBe("shared\n");

    await a.terminate();
    expect((await v.refresh()).attached_to).toEqual([b.id]);
    await b.terminate();
    expect((await v.refresh()).attached_to).toEqual([]);
    // Files outlive the sandboxes; a new sandbox sees them.
    const c = await h.porter.sandboxes.create({ image: "alpine", volume_mounts: { "/work": v.id } });
    await c.waitUntilRunning();
    expect((await c.exec(["cat", "work/sub/file.txt"])).stdout).toBe("shared\n");
    await c.terminate();
    await v.delete();
  });

  it("refuses mounts of unknown volumes (404) and at the root or overlapping paths (400)", async () => {
    const missing = await h.http(
      "/v1/sandbox/run",
      json({ image: "alpine", volume_mounts: { "/mnt": "vol_missing" } }),
    );
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

describe("volume records and object volumes (raw HTTP)", () => {
  const volume = (spec: unknown) => h.http("/v1/volume", json(spec));

  it("records a disk volume with type disk and its path below the shared volumes mount", async () => {
    const res = await volume({});
    expect(res.status).toBe(201);
    const v = await res.json();
    expect(v).toEqual({
      id: v.id,
      name: v.id,
      type: "disk",
      path: `volumes/${v.id}`,
      phase: "ready",
      attached_to: [],
      created_at: expect.any(String),
    });
    expect(existsSync(path.join(h.server.stateDir, v.path))).toBe(true);
    expect((await volume({ type: "disk" })).status).toBe(201);
  });

  it("emulates an object volume as its bucket's directory: path empty, object echoed, shared by every volume on the bucket", async () => {
    const bucket = uniqueName("bucket");
    const scoped = await (await volume({ type: "object", object: { bucket, prefix: "team/a" } })).json();
    expect(scoped).toMatchObject({ type: "object", path: "", object: { bucket, prefix: "team/a" }, phase: "ready" });
    const whole = await (
      await volume({ name: uniqueName("whole"), type: "object", object: { bucket, access: "read_write" } })
    ).json();
    expect(whole.object).toEqual({ bucket, access: "read_write" });
    const writer = await runningSandbox(h, { image: "alpine", volume_mounts: { "/data": scoped.id } });
    await sh(h, writer, "printf hello > data/greeting.txt");
    const reader = await runningSandbox(h, { image: "alpine", volume_mounts: { "/bucket": whole.id } });
    // The prefix is a directory of the bucket.
    expect(await sh(h, reader, "cat bucket/team/a/greeting.txt")).toBe("hello");
    expect((await (await h.http(`/v1/volume/${whole.id}`)).json()).attached_to).toEqual([reader]);
    await terminate(h, writer);
    await terminate(h, reader);
    // Deleting an object volume never deletes the bucket's objects.
    expect((await h.http(`/v1/volume/${scoped.id}`, { method: "DELETE" })).status).toBe(204);
    const again = await (await volume({ type: "object", object: { bucket, prefix: "team/a" } })).json();
    const later = await runningSandbox(h, { image: "alpine", volume_mounts: { "/d": again.id } });
    expect(await sh(h, later, "cat d/greeting.txt")).toBe("hello");
    await terminate(h, later);
  });

  it("refuses the files API on object volumes: Porter's works on disk volumes only", async () => {
    const v = await (await volume({ type: "object", object: { bucket: uniqueName("files") } })).json();
    const message = `invalid request: volume ${v.id} is an object volume; the files API works on disk volumes only`;
    for (const res of [
      await h.http(`/v1/volume/${v.id}/files`),
      await h.http(`/v1/volume/${v.id}/files/content?path=a`),
      await h.http(`/v1/volume/${v.id}/files/content?path=a`, { method: "PUT", body: "x", redirect: "manual" }),
      await h.http(`/v1/volume/${v.id}/files/move`, json({ from: "a", to: "b" })),
    ]) {
      expect([res.status, await res.json()]).toEqual([400, { error: message, code: "invalid_request" }]);
    }
  });

  it("refuses what it cannot emulate or what does not add up, naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ type: "object" }, 'invalid request: object: is required when type is "object"'],
      [{ object: { bucket: "b" } }, 'invalid request: object: is only allowed when type is "object"'],
      [
        { type: "object", object: { bucket: "b", access: "read_only" } },
        'invalid request: object.access: the local server emulates buckets as directories and cannot enforce "read_only"; only "read_write" is supported',
      ],
      [{ type: "object", object: { bucket: "b", access: "write_only_new_files" } }, "object.access"],
      [{ type: "object", object: { bucket: ".." } }, 'invalid request: object.bucket: ".." is not a bucket name'],
      [{ type: "object", object: { bucket: "b", prefix: "/lead" } }, "object.prefix"],
      [{ type: "object", object: { bucket: "b", prefix: "a/../../x" } }, "object.prefix"],
    ];
    for (const [spec, message] of cases) {
      const res = await volume(spec);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toContain(message);
    }
  });
});
