// Fault injection behaves as configured: latency, error statuses drawn by rate from a seedable source,
// Retry-After, per-operation targeting, and creates committed but never answered.
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, Porter, RateLimitError, ServerError } from "../../src/index.js";
import { startLocalServer, type LocalServer, type LocalServerOptions } from "../../src/local/index.js";

let server: LocalServer | undefined;
let porter: Porter | undefined;
afterEach(async () => {
  porter?.close();
  await server?.close();
  server = porter = undefined;
});

async function start(faults: LocalServerOptions["faults"], client: ConstructorParameters<typeof Porter>[0] = {}) {
  server = await startLocalServer({ quiet: true, startDelayMs: 5, faults });
  porter = new Porter({ baseUrl: server.url, maxRetries: 0, retryDelayMs: 1, ...client });
  return { server, porter };
}

// A small seeded generator (mulberry32), so that a rate test is the same run every time.
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("fault injection", () => {
  it("adds latency to every request", async () => {
    const { server } = await start({ latencyMs: 80 });
    const began = performance.now();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(performance.now() - began).toBeGreaterThanOrEqual(75);
  });

  it("draws each status by its rate, in status order, from the given random source", async () => {
    const draws = [0.05, 0.15, 0.35, 0.29, 0.3];
    const { server } = await start({ statusRates: { 503: 0.2, 429: 0.1 }, random: () => draws.shift()! });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${server.url}/healthz`)).status);
    // 429 covers [0, 0.1), 503 covers [0.1, 0.3), the rest is handled.
    expect(statuses).toEqual([429, 503, 200, 503, 200]);
  });

  it("hits the configured rates over many requests", async () => {
    const { server } = await start({ statusRates: { 503: 0.2, 429: 0.1 }, random: seeded(42) });
    const counts: Record<number, number> = {};
    for (let i = 0; i < 400; i++) {
      const status = (await fetch(`${server.url}/v1/volume`)).status;
      counts[status] = (counts[status] ?? 0) + 1;
    }
    expect(counts[503]! / 400).toBeGreaterThan(0.14);
    expect(counts[503]! / 400).toBeLessThan(0.26);
    expect(counts[429]! / 400).toBeGreaterThan(0.06);
    expect(counts[429]! / 400).toBeLessThan(0.14);
    expect(counts[200]! + counts[503]! + counts[429]!).toBe(400);
  });

  it("answers injected errors in the spec's shape, with Retry-After when configured", async () => {
    const { server } = await start({ statusRates: { 503: 1 }, retryAfterMs: 1500 });
    const res = await fetch(`${server.url}/v1/sandbox`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(res.headers.get("retry-after-ms")).toBe("1500");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await res.json()).toEqual({ error: "service unavailable (injected fault)", code: "internal_error" });
  });

  it("is retried by the SDK until the attempts run out, honouring retry-after-ms", async () => {
    let attempts = 0;
    const { porter } = await start(
      { statusRates: { 429: 1 }, retryAfterMs: 30 },
      {
        maxRetries: 2,
        fetch: (i, init) => (attempts++, fetch(i, init)),
      },
    );
    const began = performance.now();
    const err = await porter.volumes.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterMs).toBe(30);
    expect(attempts).toBe(3);
    expect(performance.now() - began).toBeGreaterThanOrEqual(55);
  });

  it("targets only the listed operations", async () => {
    const { porter } = await start({ statusRates: { 500: 1 }, operations: ["createSandbox"] });
    expect((await porter.healthz.healthCheck()).status).toBe("ok");
    expect(await porter.volumes.list()).toBeInstanceOf(Array);
    await expect(porter.sandboxes.create({ image: "alpine" })).rejects.toBeInstanceOf(ServerError);
    await expect(startLocalServer({ quiet: true, faults: { operations: ["createSandboxes"] } })).rejects.toThrow(
      /not an operationId/,
    );
  });

  it("commits a create and then drops the connection without an answer", async () => {
    const { server, porter } = await start({ dropAfterCommitRate: 1 });
    const err = await porter.volumes.create({ name: "dropped" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    // The volume exists all the same: only the answer was lost.
    const lookup = await fetch(`${server.url}/v1/volume/lookup?name=dropped`);
    expect(lookup.status).toBe(200);
    // Reads are never dropped.
    expect((await porter.volumes.list()).map((v) => v.name)).toEqual(["dropped"]);
  });

  it("lets a retrying SDK get through a mix of failures without duplicates", async () => {
    const { porter } = await start(
      { statusRates: { 503: 0.3 }, dropAfterCommitRate: 0.3, random: seeded(7) },
      { maxRetries: 10 },
    );
    const made = [];
    for (let i = 0; i < 10; i++) made.push((await porter.sandboxes.create({ image: "alpine", name: `mixed-${i}` })).id);
    const listed = [];
    for await (const s of porter.sandboxes.list()) listed.push(s.id);
    expect(listed.sort()).toEqual(made.sort());
  });
});
