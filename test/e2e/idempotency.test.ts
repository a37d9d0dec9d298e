// Idempotency-Key on creates: the same key and body replay the first answer, marked as a replay; the
// same key with another body is refused; a lost answer retried by the SDK makes no second sandbox.
import { describe, expect, it } from "vitest";
import { ConflictError, Porter } from "../../src/index.js";
import { startLocalServer } from "../../src/local/index.js";
import { json, uniqueName, useServer } from "./harness.js";

const h = useServer();

describe("Idempotency-Key", () => {
  it("replays the first sandbox create for the same key and body, whatever the key order", async () => {
    const name = uniqueName("idem");
    const key = crypto.randomUUID();
    const first = await h.http(
      "/v1/sandbox/run",
      json({ image: "alpine", name, tags: { a: "1", b: "2" } }, { "idempotency-key": key }),
    );
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const body = await first.json();
    const again = await h.http("/v1/sandbox/run", {
      ...json({ tags: { b: "2", a: "1" }, name, image: "alpine" }, { "idempotency-key": key }),
    });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    expect(await again.json()).toEqual(body);
    const all = await h.porter.sandboxes.list({ search: name });
    expect(all.map((s) => s.id)).toEqual([body.id]);
  });

  it("refuses the same key with a different body: 409 idempotency_key_reused", async () => {
    const key = crypto.randomUUID();
    await h.porter.sandboxes.create({ image: "alpine" }, { idempotencyKey: key });
    const err = await h.porter.sandboxes
      .create({ image: "alpine:other" }, { idempotencyKey: key })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).code).toBe("idempotency_key_reused");
    // Keys are not shared between operations either.
    const volume = await h.http("/v1/volume", json({}, { "idempotency-key": key }));
    expect([volume.status, (await volume.json()).code]).toEqual([409, "idempotency_key_reused"]);
  });

  it("replays volume creates through the SDK", async () => {
    const replayed: (string | null)[] = [];
    const porter = new Porter({
      baseUrl: h.server.url,
      fetch: async (i, init) => {
        const res = await fetch(i, init);
        replayed.push(res.headers.get("idempotent-replayed"));
        return res;
      },
    });
    const key = crypto.randomUUID();
    const name = uniqueName("idem-vol");
    const a = await porter.volumes.create({ name }, { idempotencyKey: key });
    const b = await porter.volumes.create({ name }, { idempotencyKey: key });
    expect(b.id).toBe(a.id);
    expect(replayed).toEqual([null, "true"]);
    expect((await h.porter.volumes.list()).filter((v) => v.name === name)).toHaveLength(1);
    porter.close();
  });

  it("keeps only successes: a create that failed can be retried with the same key", async () => {
    const key = crypto.randomUUID();
    const missing = await h.http(
      "/v1/sandbox/run",
      json({ image: "alpine", volume_mounts: { "/m": "vol_missing" } }, { "idempotency-key": key }),
    );
    expect(missing.status).toBe(404);
    const again = await h.http(
      "/v1/sandbox/run",
      json({ image: "alpine", volume_mounts: { "/m": "vol_missing" } }, { "idempotency-key": key }),
    );
    expect([again.status, again.headers.get("idempotent-replayed")]).toEqual([404, null]);
  });

  it("makes concurrent requests with one key wait for the first, then replay it", async () => {
    const key = crypto.randomUUID();
    const name = uniqueName("race");
    const answers = await Promise.all(
      [1, 2, 3].map(() => h.http("/v1/sandbox/run", json({ image: "alpine", name }, { "idempotency-key": key }))),
    );
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(answers.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(2);
  });

  it("turns a create whose answer was lost into exactly one sandbox when the SDK retries with its key", async () => {
    const draws = [0, 0.99]; // the first create is dropped after commit, the retry is answered
    const server = await startLocalServer({
      quiet: true,
      faults: { dropAfterCommitRate: 0.5, random: () => draws.shift() ?? 0.99 },
    });
    const keys: (string | null)[] = [];
    // Without its tag lookup (idempotencyTag: false) the SDK sends a named create again, with the same key:
    // it is this server's Idempotency-Key that turns the second attempt into the first one's answer.
    const porter = new Porter({
      baseUrl: server.url,
      maxRetries: 2,
      retryDelayMs: 1,
      idempotencyTag: false,
      fetch: (i, init) => {
        if (init?.method === "POST") keys.push(new Headers(init.headers).get("idempotency-key"));
        return fetch(i, init);
      },
    });
    try {
      const name = uniqueName("lost");
      const sandbox = await porter.sandboxes.create({ image: "alpine", name });
      // Two attempts, one key: the second was answered with the first one's stored response.
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBeTruthy();
      expect(keys[1]).toBe(keys[0]);
      const all = await porter.sandboxes.list({ search: name });
      expect(all.map((s) => s.id)).toEqual([sandbox.id]);
    } finally {
      porter.close();
      await server.close();
    }
  });
});
