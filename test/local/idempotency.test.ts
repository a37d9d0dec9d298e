// The idempotency key store of the local server on its own, with a clock the test moves: keys are
// honoured for 24 hours, then forgotten.
import { describe, expect, it } from "vitest";
import type { Reply } from "../../src/local/http.js";
import { fingerprint, IdempotencyKeys, KEY_LIFETIME_MS } from "../../src/local/idempotency.js";

describe("idempotency keys", () => {
  it("replays within 24 hours and does the work again after", async () => {
    let now = 0;
    const keys = new IdempotencyKeys(() => now);
    let made = 0;
    const produce = async (): Promise<Reply> => ({ status: 201, json: { n: ++made } });
    const print = fingerprint("createVolume", { name: "a" });
    expect(await keys.run("k", print, produce)).toEqual({ status: 201, json: { n: 1 } });
    now = KEY_LIFETIME_MS - 1;
    expect(await keys.run("k", print, produce)).toEqual({
      status: 201,
      json: { n: 1 },
      headers: { "idempotent-replayed": "true" },
    });
    await expect(keys.run("k", fingerprint("createVolume", { name: "b" }), produce)).rejects.toMatchObject({
      status: 409,
      code: "idempotency_key_reused",
    });
    now = KEY_LIFETIME_MS + 1;
    expect(await keys.run("k", fingerprint("createVolume", { name: "b" }), produce)).toEqual({
      status: 201,
      json: { n: 2 },
    });
  });

  it("fingerprints bodies by content, not key order or spacing", () => {
    expect(fingerprint("op", { a: 1, b: { c: [1, 2], d: null } })).toBe(
      fingerprint("op", { b: { d: null, c: [1, 2] }, a: 1 }),
    );
    expect(fingerprint("op", { a: [1, 2] })).not.toBe(fingerprint("op", { a: [2, 1] }));
    expect(fingerprint("createSandbox", {})).not.toBe(fingerprint("createVolume", {}));
  });
});
