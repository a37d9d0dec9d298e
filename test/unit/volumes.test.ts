// `porter.volumes` and the `Volume` handle's lifecycle, checked on the wire against a loopback server.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConflictError,
  NotFoundError,
  Porter,
  RequestAbortedError,
  SandboxTimeoutError,
  ServerError,
  ValidationError,
  Volume,
} from "../../src/index.js";
import { VolumeFailedError, VolumeInUseError } from "../../src/resources/volumes/volume-errors.js";
import { json, startServer, type TestServer } from "../helpers/http.js";

let server: TestServer;
let porter: Porter;

beforeEach(async () => {
  server = await startServer();
  porter = new Porter({ baseUrl: server.url, retryDelayMs: 1, maxRetries: 2 });
});
afterEach(async () => {
  porter.close();
  await server.close();
});

const record = (over: Record<string, unknown> = {}) => ({
  id: "vol_1",
  name: "data",
  phase: "ready",
  attached_to: [],
  created_at: "2025-11-20T10:00:00Z",
  ...over,
});
const wire = () => server.requests.map((r) => `${r.method} ${r.url}`);

describe("porter.volumes.list", () => {
  it("GETs /v1/volume and returns handles with the wire names unchanged", async () => {
    server.handle((_req, res) =>
      json(res, 200, {
        volumes: [record({ attached_to: ["sbx_a"] }), record({ id: "vol_2", name: "b", phase: "pending" })],
      }),
    );
    const volumes = await porter.volumes.list();
    expect(wire()).toEqual(["GET /v1/volume"]);
    expect(volumes.map((v) => v instanceof Volume)).toEqual([true, true]);
    expect(volumes[0]).toMatchObject({ id: "vol_1", attached_to: ["sbx_a"], created_at: "2025-11-20T10:00:00Z" });
    expect(volumes[1]!.phase).toBe("pending");
    expect(JSON.parse(JSON.stringify(volumes[0]))).toEqual(record({ attached_to: ["sbx_a"] }));
  });
});

describe("porter.volumes.create", () => {
  it("POSTs the spec as JSON with one Idempotency-Key kept across a 503-then-201 retry", async () => {
    let calls = 0;
    server.handle((_req, res) =>
      ++calls === 1 ? json(res, 503, { error: "busy" }) : json(res, 201, record({ phase: "pending" })),
    );
    const volume = await porter.volumes.create({ name: "data" });
    expect(wire()).toEqual(["POST /v1/volume", "POST /v1/volume"]);
    const [a, b] = server.requests;
    expect(a!.json).toEqual({ name: "data" });
    expect(b!.body.toString()).toBe(a!.body.toString());
    expect(a!.headers["content-type"]).toBe("application/json");
    expect(a!.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(b!.headers["idempotency-key"]).toBe(a!.headers["idempotency-key"]);
    expect(volume).toBeInstanceOf(Volume);
    expect(volume.phase).toBe("pending");
    expect(volume.lastResponse).toMatchObject({
      status: 201,
      attempts: 2,
      replayed: false,
      idempotencyKey: a!.headers["idempotency-key"],
    });
  });

  it("sends the caller's idempotency key, and {} for an unnamed volume", async () => {
    server.handle((_req, res) => json(res, 201, record({ name: "vol_1" })));
    await porter.volumes.create(undefined, { idempotencyKey: "my-key-1" });
    expect(server.requests[0]!.headers["idempotency-key"]).toBe("my-key-1");
    expect(server.requests[0]!.json).toEqual({});
  });

  it.each([
    [{ name: "Bad_Name" }, "name: must be a DNS label"],
    [{ name: "" }, "name: must not be empty"],
    [{ nmae: "data" }, "nmae: is not a known field"],
  ])("refuses %j before any request", async (spec, message) => {
    const error = await porter.volumes.create(spec as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
    expect(server.requests).toHaveLength(0);
  });
});

describe("porter.volumes.get and delete", () => {
  it("resolves a name through the lookup endpoint, and passes an id straight through", async () => {
    server.handle((req, res) =>
      req.path === "/v1/volume/lookup" ? json(res, 200, { id: "vol_1" }) : json(res, 200, record()),
    );
    const byName = await porter.volumes.get("data");
    const byId = await porter.volumes.get("vol_1");
    expect(wire()).toEqual(["GET /v1/volume/lookup?name=data", "GET /v1/volume/vol_1", "GET /v1/volume/vol_1"]);
    expect(byName.id).toBe("vol_1");
    expect(byId.name).toBe("data");
  });

  it("never caches a name: after a delete, the reused name resolves to the new volume", async () => {
    const names = new Map([["data", "vol_1"]]);
    const live = new Set(["vol_1"]);
    server.handle((req, res) => {
      if (req.path === "/v1/volume/lookup") {
        const id = names.get(req.query.get("name")!);
        return id ? json(res, 200, { id }) : json(res, 404, { error: "no such volume" });
      }
      const id = req.path.split("/")[3]!;
      if (!live.has(id)) return json(res, 404, { error: "gone" });
      if (req.method === "DELETE") {
        live.delete(id);
        names.delete("data");
        return void res.writeHead(204).end();
      }
      json(res, 200, record({ id }));
    });
    expect((await porter.volumes.get("data")).id).toBe("vol_1");
    await porter.volumes.delete("data");
    // Someone else creates a new volume under the freed name.
    names.set("data", "vol_2");
    live.add("vol_2");
    expect((await porter.volumes.get("data")).id).toBe("vol_2");
    await porter.volumes.delete("data");
    expect(wire()).toEqual([
      "GET /v1/volume/lookup?name=data",
      "GET /v1/volume/vol_1",
      "GET /v1/volume/lookup?name=data",
      "DELETE /v1/volume/vol_1",
      "GET /v1/volume/lookup?name=data",
      "GET /v1/volume/vol_2",
      "GET /v1/volume/lookup?name=data",
      "DELETE /v1/volume/vol_2",
    ]);
  });

  it("reports a missing volume as NotFoundError", async () => {
    server.handle((_req, res) => json(res, 404, { error: "volume not found" }));
    await expect(porter.volumes.get("nope")).rejects.toBeInstanceOf(NotFoundError);
    expect(wire()).toEqual(["GET /v1/volume/lookup?name=nope", "GET /v1/volume/nope"]);
  });

  it.each([
    ["", "invalid volume name or id: must not be empty"],
    ["../x", "invalid volume name or id: must be a name or an id"],
  ])("refuses the name %j before any request", async (name, message) => {
    for (const call of [() => porter.volumes.get(name), () => porter.volumes.delete(name)]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(message);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe("deleting an attached volume", () => {
  const attached = (body: Record<string, unknown>) =>
    server.handle((req, res) => {
      if (req.path === "/v1/volume/lookup") return json(res, 200, { id: "vol_1" });
      if (req.method === "DELETE") return json(res, 409, body, { "x-request-id": "req_9" });
      json(res, 200, record({ attached_to: ["sbx_a", "sbx_b"] }));
    });

  it("raises VolumeInUseError naming the sandboxes from the volume's record", async () => {
    attached({ error: "volume vol_1 is attached to sandboxes: sbx_a, sbx_b" });
    const error = (await porter.volumes.delete("data").catch((e: unknown) => e)) as VolumeInUseError;
    expect(error).toBeInstanceOf(VolumeInUseError);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe("conflict");
    expect(error.statusCode).toBe(409);
    expect(error.requestId).toBe("req_9");
    expect(error.volumeId).toBe("vol_1");
    expect(error.attached_to).toEqual(["sbx_a", "sbx_b"]);
    expect(error.message).toBe(
      "volume vol_1 cannot be deleted: it is attached to sandboxes sbx_a, sbx_b; terminate them first (request req_9)",
    );
    expect(wire()).toEqual(["GET /v1/volume/lookup?name=data", "DELETE /v1/volume/vol_1", "GET /v1/volume/vol_1"]);
  });

  it("believes attached_to in the 409 body without another request", async () => {
    const volume = await handle();
    attached({ error: "attached", attached_to: ["sbx_z"] });
    const error = (await volume.delete().catch((e: unknown) => e)) as VolumeInUseError;
    expect(error).toBeInstanceOf(VolumeInUseError);
    expect(error.attached_to).toEqual(["sbx_z"]);
    expect(wire()).toEqual(["DELETE /v1/volume/vol_1"]);
  });

  it("still raises VolumeInUseError when the record cannot be read", async () => {
    server.handle((req, res) =>
      req.method === "DELETE" ? json(res, 409, { error: "attached" }) : json(res, 404, { error: "gone" }),
    );
    const error = (await porter.volumes.delete("vol_1").catch((e: unknown) => e)) as VolumeInUseError;
    expect(error).toBeInstanceOf(VolumeInUseError);
    expect(error.attached_to).toEqual([]);
    expect(error.message).toContain("attached to a sandbox (the API did not say which)");
  });

  it("keeps the 409 as its cause with its attempt count, and adds no request suffix when there was no request id", async () => {
    server.handle((req, res) =>
      req.method === "DELETE"
        ? json(res, 409, { error: "attached" })
        : json(res, 200, record({ attached_to: ["sbx_a", 7] })),
    );
    const error = (await porter.volumes.delete("vol_1").catch((e: unknown) => e)) as VolumeInUseError;
    expect(error).toBeInstanceOf(VolumeInUseError);
    expect(error.cause).toBeInstanceOf(ConflictError);
    expect(error.cause).not.toBeInstanceOf(VolumeInUseError);
    expect(error.attempts).toBe(1);
    expect(error.requestId).toBeUndefined();
    // A record whose attached_to is not all ids is not believed.
    expect(error.attached_to).toEqual([]);
    expect(error.message).toBe(
      "volume vol_1 cannot be deleted: it is attached to a sandbox (the API did not say which); terminate them first",
    );
    expect(wire()).toEqual(["DELETE /v1/volume/vol_1", "GET /v1/volume/vol_1"]);
  });
});

// A handle made through the public API, with the requests that made it forgotten.
async function handle(over: Record<string, unknown> = {}): Promise<Volume> {
  server.handle((_req, res) => json(res, 200, record(over)));
  const volume = await porter.volumes.get("vol_1");
  server.requests.length = 0;
  return volume;
}

describe("Volume handle", () => {
  it("refresh() GETs the record and updates the handle", async () => {
    const volume = await handle({ phase: "pending" });
    server.handle((_req, res) => json(res, 200, record({ attached_to: ["sbx_a"] })));
    const fresh = await volume.refresh();
    expect(wire()).toEqual(["GET /v1/volume/vol_1"]);
    expect(fresh.phase).toBe("ready");
    expect(volume.phase).toBe("ready");
    expect(volume.attached_to).toEqual(["sbx_a"]);
  });

  it("delete() DELETEs by id", async () => {
    const volume = await handle();
    server.handle((_req, res) => void res.writeHead(204).end());
    await volume.delete();
    expect(wire()).toEqual(["DELETE /v1/volume/vol_1"]);
  });

  it("waitUntilReady() polls until ready", async () => {
    const volume = await handle({ phase: "pending" });
    const phases = ["pending", "pending", "ready"];
    server.handle((_req, res) => json(res, 200, record({ phase: phases.shift() })));
    expect(await volume.waitUntilReady()).toBe(volume);
    expect(wire()).toEqual(Array(3).fill("GET /v1/volume/vol_1"));
    expect(volume.phase).toBe("ready");
  });

  it("waitUntilReady() on a ready handle sends nothing", async () => {
    const volume = await handle();
    await volume.waitUntilReady();
    expect(server.requests).toHaveLength(0);
  });

  it("waitUntilReady() fails fast with VolumeFailedError", async () => {
    const volume = await handle({ phase: "pending" });
    server.handle((_req, res) => json(res, 200, record({ phase: "failed" })));
    const error = (await volume.waitUntilReady({ timeoutMs: 60_000 }).catch((e: unknown) => e)) as VolumeFailedError;
    expect(error).toBeInstanceOf(VolumeFailedError);
    expect(error.code).toBe("volume_failed");
    expect(error.volumeId).toBe("vol_1");
    expect(error.message).toContain("volume data (vol_1) failed to provision");
    expect(server.requests).toHaveLength(1);
  });

  it("waitUntilReady() times out with SandboxTimeoutError", async () => {
    const volume = await handle({ phase: "pending" });
    server.handle((_req, res) => json(res, 200, record({ phase: "pending" })));
    const error = await volume.waitUntilReady({ timeoutMs: 250 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxTimeoutError);
    expect((error as Error).message).toBe("volume data to be ready: still waiting after 250 ms");
    // How many polls fit in 250 ms depends on the machine's load (a loaded machine once failed to answer
    // even one within 30 ms); that it polls is shown above.
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
    expect(volume.phase).toBe("pending");
  });

  it("waitUntilReady() stops when the signal aborts", async () => {
    const volume = await handle({ phase: "pending" });
    const ctl = new AbortController();
    // Aborted once the first poll has been answered, so the abort lands in the wait between polls.
    server.handle((_req, res) => {
      json(res, 200, record({ phase: "pending" }));
      setTimeout(() => ctl.abort(), 5);
    });
    const started = Date.now();
    const error = await volume.waitUntilReady({ pollIntervalMs: 60_000, signal: ctl.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestAbortedError);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.requests).toHaveLength(1);
  });

  it("waitUntilReady() passes on server errors after retries", async () => {
    const volume = await handle({ phase: "pending" });
    server.handle((_req, res) => json(res, 500, { error: "boom" }));
    await expect(volume.waitUntilReady()).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(3);
  });
});
