// The acceptance test of exactly-once creates against Porter's API, which honours no Idempotency-Key:
// when a create's answer is lost after the sandbox was committed (or arrives after the client gave up),
// a retry must not make a second sandbox, and every call must resolve to the sandbox it made. The
// server (test/helpers/porter-server.ts) draws its faults from a seeded PRNG and counts what it really
// created, whatever the client was told.
import { describe, expect, it } from "vitest";
import { Porter, type ClientOptions, type Sandbox, type SandboxSpec } from "../../src/index.js";
import { usePorterServers, type PorterServer } from "../helpers/porter-server.js";

const start = usePorterServers();

/** The tag key the SDK marks each create with, carrying the call's idempotency key. */
const IDEMPOTENCY_TAG = "porter-sandbox-idempotency-key";
const TAGS = { suite: "idempotency", team: "ml" };
const CONCURRENCY = 10;
// Enough retries that a call survives a few lost answers in a row; short waits keep the suite fast.
const RETRYING: ClientOptions = { maxRetries: 5, retryDelayMs: 1, maxRetryDelayMs: 10 };

type Settled = PromiseSettledResult<Sandbox>;

/** Runs `count` creates, at most `CONCURRENCY` at a time, each with its own spec; keeps every outcome. */
async function createAll(
  server: PorterServer,
  count: number,
  specFor: (i: number) => SandboxSpec,
  options: ClientOptions = {},
): Promise<Settled[]> {
  const porter = new Porter({ baseUrl: server.url, ...RETRYING, ...options });
  const settled: Settled[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      settled[i] = await porter.sandboxes.create(specFor(i)).then(
        (value): Settled => ({ status: "fulfilled", value }),
        (reason: unknown): Settled => ({ status: "rejected", reason }),
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    porter.close();
  }
  return settled;
}

const unnamed = (batch: string) => (): SandboxSpec => ({ image: "alpine:3.20", tags: { ...TAGS, batch } });
const named =
  (batch: string) =>
  (i: number): SandboxSpec => ({
    image: "alpine:3.20",
    name: `${batch}-${String(i).padStart(3, "0")}`,
    tags: { ...TAGS, batch },
  });

/**
 * Every call resolved, the server made exactly one sandbox per call (counted by the batch's tag), and
 * each call's sandbox is its own: distinct ids, each on the server, and for named creates the name
 * asked for.
 */
function expectOnePerCall(
  server: PorterServer,
  batch: string,
  settled: Settled[],
  specFor: (i: number) => SandboxSpec,
): void {
  const failures = settled.flatMap((r, i) => (r.status === "rejected" ? [`call ${i}: ${String(r.reason)}`] : []));
  expect({ created: server.sandboxesTagged("batch", batch), failures }).toEqual({
    created: settled.length,
    failures: [],
  });
  const sandboxes = settled.map((r) => (r as PromiseFulfilledResult<Sandbox>).value);
  expect(new Set(sandboxes.map((s) => s.id)).size).toBe(settled.length);
  sandboxes.forEach((sandbox, i) => {
    const onServer = server.sandbox(sandbox.id);
    expect(onServer, `call ${i}: sandbox ${sandbox.id} is not on the server`).toBeDefined();
    expect(onServer!.tags).toMatchObject(TAGS);
    const asked = specFor(i).name;
    if (asked === undefined) return;
    expect([sandbox.name, onServer!.name]).toEqual([asked, asked]);
    expect(server.sandboxesNamed(asked)).toBe(1);
  });
}

describe("exactly one sandbox per create, against a server that ignores Idempotency-Key", () => {
  it("100 unnamed creates, 20% of answers lost after the commit: exactly 100 sandboxes, one per call", async () => {
    const server = await start({ faults: { seed: 1, dropCreateResponses: 0.2 } });
    const settled = await createAll(server, 100, unnamed("unnamed"));
    // The faults really happened: the retries had something to recover from.
    expect(server.faultCounts.droppedAfterCommit).toBeGreaterThan(5);
    expectOnePerCall(server, "unnamed", settled, unnamed("unnamed"));
    expect(server.sandboxCount).toBe(100);
  });

  it("100 named creates, 20% of answers lost after the commit: exactly 100 sandboxes, each with its name", async () => {
    const server = await start({ faults: { seed: 2, dropCreateResponses: 0.2 } });
    const settled = await createAll(server, 100, named("named"));
    expect(server.faultCounts.droppedAfterCommit).toBeGreaterThan(5);
    expectOnePerCall(server, "named", settled, named("named"));
    expect(server.sandboxCount).toBe(100);
  });

  it("answers that arrive after the client's timeout (the create was committed): one sandbox per call", async () => {
    // 30% of creates are answered 1.5 s after the commit; the client gives up on each attempt after 1 s.
    // The timeout is far above a normal answer's latency even on a loaded machine, so it fires only on
    // stalled creates, which are committed: a shorter one can fire before a slow request reaches the
    // server, which is the different case of a commit after the client gave up (faults.commitDelayMs).
    const server = await start({ faults: { seed: 3, stallCreateMs: 1_500, stallCreates: 0.3 } });
    const [a, b] = await Promise.all([
      createAll(server, 10, unnamed("late-unnamed"), { timeoutMs: 1_000 }),
      createAll(server, 10, named("late-named"), { timeoutMs: 1_000 }),
    ]);
    expect(server.faultCounts.stalled).toBeGreaterThan(2);
    expectOnePerCall(server, "late-unnamed", a, unnamed("late-unnamed"));
    expectOnePerCall(server, "late-named", b, named("late-named"));
    expect(server.sandboxCount).toBe(20);
  });

  it("503s before the commit mixed with lost answers after it: one sandbox per call", async () => {
    const server = await start({ faults: { seed: 4, failBeforeCommit: 0.15, dropCreateResponses: 0.2 } });
    const [a, b] = await Promise.all([
      createAll(server, 30, unnamed("mixed-unnamed")),
      createAll(server, 30, named("mixed-named")),
    ]);
    expect(server.faultCounts.failedBeforeCommit).toBeGreaterThan(2);
    expect(server.faultCounts.droppedAfterCommit).toBeGreaterThan(2);
    expectOnePerCall(server, "mixed-unnamed", a, unnamed("mixed-unnamed"));
    expectOnePerCall(server, "mixed-named", b, named("mixed-named"));
    expect(server.sandboxCount).toBe(60);
  });
});

describe("how a lost answer is recovered: the idempotency tag", () => {
  it.each([
    ["unnamed", { image: "alpine:3.20", tags: { team: "ml" } }],
    ["named", { image: "alpine:3.20", name: "lost-answer", tags: { team: "ml" } }],
  ] as const)(
    "a create (%s) whose every answer is lost finds its sandbox by its tag instead of creating again",
    async (_kind, spec) => {
      const server = await start({ faults: { dropCreateResponses: 1 } });
      const porter = new Porter({ baseUrl: server.url, ...RETRYING });
      try {
        const sandbox = await porter.sandboxes.create(spec);
        const posts = server.requestsTo("POST", "/v1/sandbox/run");
        const key = (posts[0]!.json as SandboxSpec).tags?.[IDEMPOTENCY_TAG];
        expect(key, `the create carries a ${IDEMPOTENCY_TAG} tag`).toEqual(expect.any(String));
        // Every attempt of the call carries the same key; the list asks for exactly that tag.
        expect(posts.map((p) => (p.json as SandboxSpec).tags?.[IDEMPOTENCY_TAG])).toEqual(posts.map(() => key));
        const lists = server.requestsTo("GET", "/v1/sandbox");
        expect(lists.some((r) => r.query.getAll("tag").includes(`${IDEMPOTENCY_TAG}=${key}`))).toBe(true);
        expect(server.sandboxCount).toBe(1);
        expect(server.sandbox(sandbox.id)).toMatchObject({
          image: "alpine:3.20",
          tags: { team: "ml", [IDEMPOTENCY_TAG]: key },
        });
      } finally {
        porter.close();
      }
    },
  );
});
