// Creates under injected faults never make two sandboxes. The server here keeps real state and
// honours Idempotency-Key like the API does; faults land before and after a create is committed.
import type { ServerResponse } from "node:http";
import { describe, expect, test } from "vitest";
import { ConflictError, IDEMPOTENCY_TAG, Porter, SandboxError } from "../../src/index.js";
import { json, useServers, type Recorded } from "../helpers/http.js";

const serve = useServers();

// A small deterministic PRNG, so a failure replays the same fault sequence.
function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Fault =
  | "none"
  | "503"
  | "503-retry-after"
  | "429"
  | "html-502"
  | "stall-before"
  | "drop-after-commit"
  | "stall-after-commit"
  | "reset-mid-body";
const FAULTS: Fault[] = [
  "none",
  "503",
  "503-retry-after",
  "429",
  "html-502",
  "stall-before",
  "drop-after-commit",
  "stall-after-commit",
  "reset-mid-body",
];

function sandboxServer(random: () => number) {
  const byKey = new Map<string, { id: string; body: string }>();
  const sandboxes = new Map<string, { id: string; call: string; tags: Record<string, string> }>();
  const keysByCall = new Map<string, Set<string>>();
  let seq = 0;
  const handler = (req: Recorded, res: ServerResponse, raw: { socket: { destroy(): void } }) => {
    if (req.method === "GET" && req.path === "/v1/sandbox") return listByTag(res, req.query.getAll("tag"));
    if (req.method !== "POST" || req.path !== "/v1/sandbox/run") return json(res, 404, { error: "not found" });
    const key = String(req.headers["idempotency-key"]);
    const call = (req.json as { tags: { call: string } }).tags.call;
    (keysByCall.get(call) ?? keysByCall.set(call, new Set()).get(call)!).add(key);
    // Half of all attempts meet a fault, spread evenly over the kinds.
    const fault = random() < 0.5 ? "none" : FAULTS[1 + Math.floor(random() * (FAULTS.length - 1))]!;
    if (fault === "503") return json(res, 503, { error: "busy" });
    if (fault === "503-retry-after") return json(res, 503, { error: "busy" }, { "retry-after": "0" });
    if (fault === "429") return json(res, 429, { error: "slow" }, { "retry-after-ms": "1" });
    if (fault === "html-502")
      return void res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad Gateway</h1>");
    if (fault === "stall-before") return; // never answers: the client's timeout aborts it
    let stored = byKey.get(key);
    const replay = stored !== undefined;
    if (!stored) {
      stored = { id: `sbx_${++seq}`, body: req.body.toString() };
      byKey.set(key, stored);
      sandboxes.set(stored.id, { id: stored.id, call, tags: (req.json as { tags: Record<string, string> }).tags });
    } else if (stored.body !== req.body.toString()) {
      return json(res, 409, { error: "key reused with another body", code: "idempotency_key_reused" });
    }
    const record = {
      id: stored.id,
      name: stored.id,
      image: "alpine",
      phase: "creating",
      created_at: new Date().toISOString(),
      host: "",
    };
    if (fault === "drop-after-commit") return void raw.socket.destroy();
    if (fault === "stall-after-commit") return;
    const text = JSON.stringify({ id: stored.id, name: stored.id, status: record });
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "content-length": String(text.length),
    };
    if (replay) headers["idempotent-replayed"] = "true";
    res.writeHead(201, headers);
    if (fault === "reset-mid-body") {
      res.write(text.slice(0, 10));
      return void setTimeout(() => raw.socket.destroy(), 1);
    }
    res.end(text);
  };
  // The SDK's way back to a create whose answer was lost: the sandboxes carrying every given tag.
  const listByTag = (res: ServerResponse, filters: string[]) => {
    const matching = [...sandboxes.values()].filter((sb) =>
      filters.every((f) => `${f.split("=")[0]}=${sb.tags[f.split("=")[0]!]}` === f),
    );
    const records = matching.map((sb) => ({
      id: sb.id,
      name: sb.id,
      image: "alpine",
      tags: sb.tags,
      phase: "creating",
      created_at: new Date().toISOString(),
      host: "",
    }));
    json(res, 200, { sandboxes: records, pagination: { current_page: 1, total_pages: 1, has_next_page: false } });
  };
  return { handler, sandboxes, keysByCall };
}

describe("creates under faults", () => {
  test("500 creates with a mix of faults: one sandbox per call, one key per call, every call settles typed", async () => {
    const state = sandboxServer(mulberry32(20261122));
    const s = await serve(state.handler);
    const porter = new Porter({
      baseUrl: s.url,
      maxRetries: 20,
      timeoutMs: 1_000,
      retryDelayMs: 1,
      maxRetryDelayMs: 4,
    });
    const calls = Array.from({ length: 500 }, (_, i) => String(i));
    const results: (Awaited<ReturnType<typeof porter.sandboxes.create>> | SandboxError)[] = [];
    for (let i = 0; i < calls.length; i += 100) {
      const batch = calls.slice(i, i + 100).map((call) =>
        porter.sandboxes.create({ image: "alpine", tags: { call } }).catch((e: unknown) => {
          if (!(e instanceof SandboxError)) throw e;
          return e;
        }),
      );
      results.push(...(await Promise.all(batch)));
    }
    const perCall = new Map<string, number>();
    for (const sb of state.sandboxes.values()) perCall.set(sb.call, (perCall.get(sb.call) ?? 0) + 1);
    expect([...perCall.values()].every((n) => n === 1)).toBe(true);
    expect([...state.keysByCall.values()].every((keys) => keys.size === 1)).toBe(true);
    const succeeded = results.filter((r) => !(r instanceof SandboxError));
    // With 20 retries and half of all attempts faulted, a call exhausts them with odds of 1 in 2^21, so
    // a run of 500 fails by chance about once in 4,000 runs: every call succeeds.
    const failures = results.filter((r): r is SandboxError => r instanceof SandboxError);
    expect(failures.map((e) => `${e.message} (after ${e.attempts} attempts)`).slice(0, 3)).toEqual([]);
    for (const sb of succeeded) expect(state.sandboxes.get((sb as { id: string }).id)).toBeDefined();
    const ids = succeeded.map((sb) => (sb as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    const retries = s.requests.length - calls.length;
    expect(retries).toBeGreaterThan(300);
  }, 120_000);
});

describe("a named create against a server without idempotency keys", () => {
  // Porter's API ignores Idempotency-Key: a create whose response was lost must not be sent again blindly.
  function forgetfulServer(opts: { image?: string; createdAt?: () => string } = {}) {
    let created: Record<string, unknown> | undefined;
    return (req: Recorded, res: ServerResponse, raw: { socket: { destroy(): void } }) => {
      if (req.method === "POST" && req.path === "/v1/sandbox/run") {
        const spec = req.json as { name: string; image: string; tags?: object };
        if (created) return json(res, 409, { error: `name ${spec.name} is taken` });
        created = {
          id: "sbx_7",
          name: spec.name,
          image: opts.image ?? spec.image,
          tags: spec.tags,
          phase: "running",
          created_at: opts.createdAt?.() ?? new Date().toISOString(),
          host: "",
        };
        return void raw.socket.destroy();
      }
      if (req.method === "GET" && req.path === "/v1/sandbox") {
        const tags = (created?.tags ?? {}) as Record<string, string>;
        const carries = req.query
          .getAll("tag")
          .every((f) => tags[f.slice(0, f.indexOf("="))] === f.slice(f.indexOf("=") + 1));
        const sandboxes = created && carries ? [created] : [];
        return json(res, 200, { sandboxes, pagination: { current_page: 1, total_pages: 1, has_next_page: false } });
      }
      if (req.path === "/v1/sandbox/lookup")
        return created ? json(res, 200, { id: created.id }) : json(res, 404, { error: "no" });
      if (req.path === "/v1/sandbox/sbx_7") return json(res, 200, created);
      json(res, 404, { error: "no" });
    };
  }

  test("finds the sandbox its own lost attempt made by the key's tag, and sends no second create", async () => {
    const s = await serve(forgetfulServer());
    const porter = new Porter({ baseUrl: s.url, retryDelayMs: 1 });
    const box = await porter.sandboxes.create({ image: "alpine", name: "job-1", tags: { run: "a" } });
    expect([box.id, box.name, box.phase]).toEqual(["sbx_7", "job-1", "running"]);
    const key = String(s.requests[0]!.headers["idempotency-key"]);
    expect(s.requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`)).toEqual([
      "POST /v1/sandbox/run",
      `GET /v1/sandbox?tag=${IDEMPOTENCY_TAG}=${key}&phase=queued&phase=creating&phase=running&phase=succeeded&phase=failed&phase=terminated`,
    ]);
    expect(box.lastResponse?.idempotencyKey).toBe(key);
    expect(box.tags).toEqual({ run: "a", [IDEMPOTENCY_TAG]: key });
  });

  test("without the tag, resolves to the sandbox its own lost attempt made when the name says it is certain", async () => {
    const s = await serve(forgetfulServer());
    const porter = new Porter({ baseUrl: s.url, retryDelayMs: 1, idempotencyTag: false });
    const box = await porter.sandboxes.create({ image: "alpine", name: "job-1", tags: { run: "a" } });
    expect([box.id, box.name, box.phase]).toEqual(["sbx_7", "job-1", "running"]);
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /v1/sandbox/run",
      "POST /v1/sandbox/run",
      "GET /v1/sandbox/lookup?name=job-1",
      "GET /v1/sandbox/sbx_7",
    ]);
  });

  test("reports the conflict when the sandbox holding the name differs from the spec", async () => {
    const s = await serve(forgetfulServer({ image: "other" }));
    const err = await new Porter({ baseUrl: s.url, retryDelayMs: 1, idempotencyTag: false }).sandboxes
      .create({ image: "alpine", name: "job-1" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toContain("name job-1 is taken");
  });

  test("reports the conflict when the sandbox holding the name predates the call", async () => {
    const s = await serve(forgetfulServer({ createdAt: () => new Date(Date.now() - 60_000).toISOString() }));
    await expect(
      new Porter({ baseUrl: s.url, retryDelayMs: 1, idempotencyTag: false }).sandboxes.create({
        image: "alpine",
        name: "job-1",
      }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  test("a conflict on the first attempt is never taken for the caller's own sandbox", async () => {
    const s = await serve((req, res) =>
      req.method === "POST"
        ? json(res, 409, { error: "taken" })
        : json(res, 200, {
            id: "sbx_1",
            name: "job-1",
            image: "alpine",
            phase: "running",
            created_at: new Date(Date.now() + 1000).toISOString(),
            host: "",
          }),
    );
    await expect(
      new Porter({ baseUrl: s.url }).sandboxes.create({ image: "alpine", name: "job-1" }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(s.requests).toHaveLength(1);
  });
});
