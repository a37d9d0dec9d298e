// Sandbox lifecycle through the SDK against the local server: phases, the main command run for real,
// TTL expiry, termination of the whole process tree, names, lookup and environment.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, Porter, SandboxNotRunningError } from "../../src/index.js";
import { eventually, json, uniqueName, useServer } from "./harness.js";

const h = useServer({ envGroups: { base: { FROM_GROUP: "group", SHARED: "group" }, more: { SHARED: "more" } } });

// A killed process whose parent is gone may linger as a zombie where PID 1 does not reap: that is dead too.
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return true;
  }
}

/** The status record as the server sends it, read with raw fetch (not through the SDK's types). */
const record = async (id: string) => (await h.http(`/v1/sandbox/${id}`)).json();

const ended = async (porter: Porter, id: string) => {
  const s = await porter.sandboxes.get(id);
  return s.phase !== null && ["succeeded", "failed", "terminated"].includes(s.phase) ? s : undefined;
};

describe("sandbox lifecycle", () => {
  it("creates in phase creating, with the status record embedded so the SDK sends no extra GET, then runs", async () => {
    const methods: string[] = [];
    const porter = new Porter({
      baseUrl: h.server.url,
      fetch: (input, init) => (methods.push(init?.method ?? "GET"), fetch(input, init)),
    });
    const sandbox = await porter.sandboxes.create({ image: "alpine:3.20", command: ["sleep", "30"] });
    expect(methods).toEqual(["POST"]);
    expect(sandbox.phase).toBe("creating");
    expect(sandbox.name).toBe(sandbox.id);
    expect(sandbox.id).toMatch(/^sbx_[0-9a-z]{26}$/);
    expect(sandbox.started_at).toBeNull();
    await sandbox.waitUntilRunning();
    expect(sandbox.phase).toBe("running");
    expect(Date.parse(sandbox.started_at!)).toBeGreaterThanOrEqual(Date.parse(sandbox.created_at));
    expect(sandbox.exec_target).toEqual({
      namespace: "local",
      pod_name: sandbox.id.replace("_", "-"),
      container_name: "sandbox",
    });
    await sandbox.terminate();
    porter.close();
  });

  it("answers a create with 202 Accepted, the id and name, and (our extension) the status record", async () => {
    const res = await h.http("/v1/sandbox/run", json({ image: "alpine:3.20", name: uniqueName("accepted") }));
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ id: expect.stringMatching(/^sbx_/), name: expect.stringMatching(/^accepted-/) });
    expect(body.status).toMatchObject({ id: body.id, phase: "creating", finished_at: null, image: "alpine:3.20" });
    await h.http(`/v1/sandbox/${body.id}`, { method: "DELETE" });
  });

  it("stores the spec: the status record reflects image, tags, mounts, TTL and networking", async () => {
    const volume = await h.porter.volumes.create();
    const name = uniqueName("full");
    const sandbox = await h.porter.sandboxes.create({
      image: "python:3.12-slim",
      name,
      command: ["sleep", "30"],
      args: [],
      env: { A: "1" },
      env_groups: ["base"],
      tags: { team: "ml", run: "7" },
      volume_mounts: { "/mnt/data": volume.id },
      networking: [{ port: 8080 }],
      egress: { allowed_destinations: [] },
      resources: { cpu: "2", memory: "4Gi" },
      ttl_seconds: 600,
    });
    const live = await record(sandbox.id);
    expect(live).toMatchObject({
      id: sandbox.id,
      name,
      image: "python:3.12-slim",
      tags: { team: "ml", run: "7" },
      volume_mounts: { "/mnt/data": volume.id },
      host: "localhost",
      exit_code: null,
      finished_at: null,
    });
    // Porter's StatusResponse has neither: the TTL is not echoed, and the end is `finished_at`.
    expect(live).not.toHaveProperty("ttl_seconds");
    expect(live).not.toHaveProperty("terminated_at");
    await sandbox.terminate();
  });

  it("a main command that exits 0 ends in succeeded, non-zero in failed, each with its exit code", async () => {
    const ok = await h.porter.sandboxes.create({ image: "alpine", command: ["sh", "-c", "exit 0"] });
    const bad = await h.porter.sandboxes.create({ image: "alpine", command: ["sh"], args: ["-c", "exit 42"] });
    expect(await eventually(() => ended(h.porter, ok.id))).toMatchObject({ phase: "succeeded", exit_code: 0 });
    const failed = await eventually(() => ended(h.porter, bad.id));
    expect(failed).toMatchObject({ phase: "failed", exit_code: 42 });
    const { finished_at } = await record(bad.id);
    expect(Date.parse(finished_at)).toBeGreaterThanOrEqual(Date.parse(failed.created_at));
    await expect(bad.waitUntilRunning()).rejects.toBeInstanceOf(SandboxNotRunningError);
  });

  it("ends when the main process exits, even if something it started still holds its output", async () => {
    const v = await h.porter.volumes.create();
    const s = await h.porter.sandboxes.create({
      image: "alpine",
      volume_mounts: { "/v": v.id },
      command: ["sh", "-c", "sleep 300 & echo $! > v/bg.pid; echo bye; exit 4"],
    });
    const done = await eventually(() => ended(h.porter, s.id), 3000);
    expect(done).toMatchObject({ phase: "failed", exit_code: 4 });
    expect((await s.logs()).map((l) => l.line)).toEqual(["bye"]);
    const pid = Number(await (await h.http(`/v1/volume/${v.id}/files/content?path=bg.pid`)).text());
    expect(pid).toBeGreaterThan(0);
    await eventually(async () => (alive(pid) ? undefined : true));
    await v.delete();
  });

  it("a main command that cannot be found fails with exit code 127 and says why in the logs", async () => {
    const s = await h.porter.sandboxes.create({ image: "alpine", command: ["no-such-program-here"] });
    expect(await eventually(() => ended(h.porter, s.id))).toMatchObject({ phase: "failed", exit_code: 127 });
    const logs = await s.logs();
    expect(logs).toEqual([
      expect.objectContaining({
        level: "error",
        exec_id: "",
        line: 'exec: "no-such-program-here": executable file not found in $PATH',
      }),
    ]);
  });

  it("without a command the sandbox stays running until terminated", async () => {
    const s = await h.porter.sandboxes.create({ image: "alpine" });
    await s.waitUntilRunning();
    await new Promise((r) => setTimeout(r, 100));
    expect((await s.refresh()).phase).toBe("running");
    await s.terminate();
    expect(s.phase).toBe("terminated");
    expect(s.exit_code).toBeNull();
  });

  it("terminates when ttl_seconds elapses", async () => {
    const s = await h.porter.sandboxes.create({ image: "alpine", command: ["sleep", "60"], ttl_seconds: 1 });
    await s.waitUntilRunning();
    const done = await eventually(() => ended(h.porter, s.id), 4000);
    expect(done.phase).toBe("terminated");
    const lifetime = Date.parse((await record(s.id)).finished_at) - Date.parse(done.created_at);
    expect(lifetime).toBeGreaterThanOrEqual(1000);
    expect(lifetime).toBeLessThan(2500);
  });

  it("terminate kills every process it started, background ones included, discards the working dir, and is idempotent", async () => {
    const s = await h.porter.sandboxes.create({
      image: "alpine",
      command: ["sh", "-c", "sleep 300 & echo $! > child.pid; wait"],
    });
    await s.waitUntilRunning();
    const pid = Number(await eventually(async () => (await s.exec(["cat", "child.pid"])).stdout.trim() || undefined));
    // A process an exec left running in the background is the sandbox's too.
    const background = Number((await s.exec(["sh", "-c", "sleep 300 > /dev/null 2>&1 & echo $!"])).stdout.trim());
    const workdir = (await s.exec(["pwd"])).stdout.trim();
    expect(alive(pid)).toBe(true);
    expect(alive(background)).toBe(true);
    expect(existsSync(path.join(workdir, "child.pid"))).toBe(true);
    const res = await h.http(`/v1/sandbox/${s.id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect((await s.refresh()).phase).toBe("terminated");
    await eventually(async () => (alive(pid) || alive(background) ? undefined : true));
    await eventually(async () => (existsSync(workdir) ? undefined : true));
    // Again, on an ended sandbox: still 204, nothing changes.
    const finished = (await record(s.id)).finished_at;
    expect(finished).not.toBeNull();
    const again = await h.http(`/v1/sandbox/${s.id}`, { method: "DELETE" });
    expect(again.status).toBe(204);
    await h.porter.sandboxes.terminate(s.id);
    expect((await record(s.id)).finished_at).toBe(finished);
  });

  it("names are unique forever, even after termination, and resolve through lookup", async () => {
    const name = uniqueName("once");
    const first = await h.porter.sandboxes.create({ image: "alpine", name });
    await expect(h.porter.sandboxes.create({ image: "alpine", name })).rejects.toMatchObject({
      statusCode: 409,
      code: "conflict",
    });
    await first.terminate();
    const err = await h.porter.sandboxes.create({ image: "alpine", name }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toContain(`name "${name}" is already taken`);
    const lookup = await h.http(`/v1/sandbox/lookup?name=${name}`);
    expect(await lookup.json()).toEqual({ id: first.id });
    const missing = await h.http("/v1/sandbox/lookup?name=never-created");
    expect([missing.status, (await missing.json()).code]).toEqual([404, "not_found"]);
    await expect(h.porter.sandboxes.get("sbx_unknown")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("an unnamed sandbox is named by its id, which the lookup resolves, through porter.raw as over HTTP", async () => {
    const s = await h.porter.sandboxes.create({ image: "alpine" });
    expect(s.name).toBe(s.id);
    // An id (`sbx_…`) is no DNS label: the lookup's `name` takes a name or an id (NameOrId).
    const raw = await h.porter.raw.GET("/v1/sandbox/lookup", { params: { query: { name: s.id } } });
    expect({ data: raw.data, error: raw.error, status: raw.response.status }).toEqual({
      data: { id: s.id },
      error: undefined,
      status: 200,
    });
    const http = await h.http(`/v1/sandbox/lookup?name=${s.id}`);
    expect([http.status, await http.json()]).toEqual([200, { id: s.id }]);
    await h.porter.sandboxes.terminate(s.id);
  });

  it("runs commands with a minimal environment: PATH, HOME, the env groups in order, then env", async () => {
    process.env.PORTER_LOCAL_TEST_SECRET = "must-not-leak";
    const s = await h.porter.sandboxes.create({
      image: "alpine",
      env_groups: ["base", "more"],
      env: { A: "from-env", FROM_GROUP: "env-wins" },
    });
    await s.waitUntilRunning();
    const env = Object.fromEntries(
      (await s.exec(["env"])).stdout
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const workdir = (await s.exec(["pwd"])).stdout.trim();
    expect(env).toMatchObject({ A: "from-env", FROM_GROUP: "env-wins", SHARED: "more", HOME: workdir });
    expect(env.PATH).toBeTruthy();
    expect(env.PORTER_LOCAL_TEST_SECRET).toBeUndefined();
    delete process.env.PORTER_LOCAL_TEST_SECRET;
    await s.terminate();
    const unknown = await h.porter.sandboxes.create({ image: "alpine", env_groups: ["nope"] }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ statusCode: 404, code: "not_found" });
    expect((unknown as Error).message).toContain('env group "nope" not found');
  });

  it("readyz counts the live sandboxes", async () => {
    const before = (await h.porter.readyz.readinessCheck()).active_sandboxes;
    const s = await h.porter.sandboxes.create({ image: "alpine" });
    expect(await h.porter.readyz.readinessCheck()).toEqual({ status: "ok", active_sandboxes: before + 1 });
    await s.terminate();
    expect((await h.porter.readyz.readinessCheck()).active_sandboxes).toBe(before);
    expect(await h.porter.healthz.healthCheck()).toEqual({ status: "ok" });
  });
});
