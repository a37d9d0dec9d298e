// terminate(), waitUntilEnded() and `await using` against a server where a sandbox takes its time to stop
// (as on a real cluster, and as Prism's static examples do: the status stays `running` after the DELETE),
// and the pace every wait keeps: never under 250 ms, and a 429's Retry-After honoured between polls.
import { describe, expect, test } from "vitest";
import {
  ClientClosedError,
  NotFoundError,
  PermissionDeniedError,
  Porter,
  RateLimitError,
  ServerError,
  ValidationError,
} from "../../src/index.js";
import { json, useServers, type Recorded } from "../helpers/http.js";
import { statusRecord } from "../helpers/records.js";

const serve = useServers();
const record = statusRecord;
const wire = (r: Recorded) => `${r.method} ${r.url}`;

/** A server whose sandbox is still `running` for `stoppingPolls` status reads after the DELETE (forever
 * by default), then `terminated`. Each request's arrival time is kept, to check the pace of polls. */
async function slowToStop(stoppingPolls = Infinity, deleteStatus = 204) {
  const arrivals: number[] = [];
  let deleted = false;
  let readsAfterDelete = 0;
  const server = await serve((req, res) => {
    arrivals.push(Date.now());
    if (req.path === "/v1/sandbox/lookup") return json(res, 200, { id: "sbx_1" });
    if (req.method === "DELETE") {
      deleted = deleteStatus < 300;
      return deleteStatus === 204 ? void res.writeHead(204).end() : json(res, deleteStatus, { error: "refused" });
    }
    const ended = deleted && readsAfterDelete++ >= stoppingPolls;
    json(res, 200, record(ended ? { phase: "terminated", exit_code: null } : {}));
  });
  return { server, arrivals, porter: new Porter({ baseUrl: server.url, retryDelayMs: 1 }) };
}

describe("terminate returns once the API has accepted it", () => {
  // The old terminate polled until the sandbox had ended and failed after 30 s: this test's own timeout
  // is shorter, so it fails on that code.
  test("sandbox.terminate(): DELETE, then one read of the record as the API reports it (still running)", async () => {
    const { server, porter } = await slowToStop();
    const box = await porter.sandboxes.get("sbx_1");
    server.requests.length = 0;
    expect(await box.terminate()).toBe(box);
    expect(box.phase).toBe("running");
    expect(box.lastResponse?.status).toBe(200);
    expect(server.requests.map(wire)).toEqual(["DELETE /v1/sandbox/sbx_1", "GET /v1/sandbox/sbx_1"]);
  }, 10_000);

  test("porter.sandboxes.terminate(name): lookup, DELETE, one read", async () => {
    const { server, porter } = await slowToStop();
    const stopping = await porter.sandboxes.terminate("box");
    expect([stopping.id, stopping.name, stopping.phase]).toEqual(["sbx_1", "box", "running"]);
    expect(server.requests.map(wire)).toEqual([
      "GET /v1/sandbox/lookup?name=box",
      "DELETE /v1/sandbox/sbx_1",
      "GET /v1/sandbox/sbx_1",
    ]);
  }, 10_000);

  test("a read that fails after the DELETE was accepted leaves the earlier record; the terminate succeeds", async () => {
    const { server, porter } = await slowToStop();
    const box = await porter.sandboxes.get("sbx_1");
    const before = box.lastResponse;
    server.handle((req, res) =>
      req.method === "DELETE" ? void res.writeHead(204).end() : json(res, 500, { error: "status store down" }),
    );
    server.requests.length = 0;
    expect(await box.terminate({ maxRetries: 0 })).toBe(box);
    expect([box.phase, box.lastResponse]).toEqual(["running", before]);
    expect(server.requests.map(wire)).toEqual(["DELETE /v1/sandbox/sbx_1", "GET /v1/sandbox/sbx_1"]);
  });

  test("a DELETE the API refuses fails the terminate, with no read after it", async () => {
    const { server, porter } = await slowToStop(Infinity, 403);
    const box = await porter.sandboxes.get("sbx_1");
    server.requests.length = 0;
    await expect(box.terminate()).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(server.requests.map(wire)).toEqual(["DELETE /v1/sandbox/sbx_1"]);
  });

  test("waitUntilEnded() polls until the sandbox has ended, never more often than every 250 ms", async () => {
    const { server, porter, arrivals } = await slowToStop(3);
    const box = await porter.sandboxes.get("sbx_1");
    server.requests.length = 0;
    arrivals.length = 0;
    expect(await (await box.terminate()).waitUntilEnded()).toBe(box);
    expect(box.phase).toBe("terminated");
    expect(server.requests.map(wire)).toEqual(["DELETE /v1/sandbox/sbx_1", ...Array(4).fill("GET /v1/sandbox/sbx_1")]);
    // Terminate's own read, then the wait's first poll at once; each poll after it waits its interval.
    const polls = arrivals.slice(2);
    const gaps = polls.slice(1).map((at, i) => at - polls[i]!);
    expect(gaps).toHaveLength(2);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(249);
  });
});

describe("await using", () => {
  test("terminates at scope exit and returns while the sandbox is still stopping", async () => {
    const { server, porter } = await slowToStop();
    {
      await using box = await porter.sandboxes.get("sbx_1");
      expect(box.phase).toBe("running");
    }
    expect(server.requests.map(wire)).toEqual([
      "GET /v1/sandbox/sbx_1",
      "DELETE /v1/sandbox/sbx_1",
      "GET /v1/sandbox/sbx_1",
    ]);
  }, 10_000);

  test("a terminate that failed is thrown as a SuppressedError carrying both it and the scope's own error", async () => {
    const { server, porter } = await slowToStop(Infinity, 500);
    const scopeError = new Error("the agent's step failed");
    const thrown = await (async () => {
      await using box = await porter.sandboxes.get("sbx_1", { maxRetries: 0 });
      expect(box.phase).toBe("running");
      throw scopeError;
    })().catch((e: unknown) => e as { name: string; error: unknown; suppressed: unknown });
    expect(thrown.name).toBe("SuppressedError");
    expect(thrown.error).toBeInstanceOf(ServerError);
    expect(thrown.suppressed).toBe(scopeError);
    expect(server.requests.filter((r) => r.method === "DELETE")).toHaveLength(3); // the first and 2 retries
  });

  test("a sandbox already gone (404) is no error at scope exit", async () => {
    const { server, porter } = await slowToStop(Infinity, 404);
    {
      await using box = await porter.sandboxes.get("sbx_1");
      expect(box.phase).toBe("running");
    }
    expect(server.requests.map(wire)).toEqual(["GET /v1/sandbox/sbx_1", "DELETE /v1/sandbox/sbx_1"]);
    await expect(porter.sandboxes.terminate("sbx_1")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("the pace of every wait", () => {
  test.each([
    ["waitUntilRunning", 249],
    ["waitUntilEnded", 100],
  ] as const)("%s refuses a poll interval of %i ms before sending anything", async (wait, pollIntervalMs) => {
    const { server, porter } = await slowToStop();
    const box = await porter.sandboxes.get("sbx_1");
    server.requests.length = 0;
    const error = await box[wait]({ pollIntervalMs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: "pollIntervalMs", message: "must be at least 250 ms: the SDK never polls the API more often" },
    ]);
    expect(server.requests).toHaveLength(0);
  });

  test("a poll answered 429 is not a failure: the next poll waits at least the Retry-After", async () => {
    const arrivals: number[] = [];
    let polls = 0;
    const server = await serve((_req, res) => {
      arrivals.push(Date.now());
      polls++;
      if (polls === 2) return json(res, 429, { error: "slow down" }, { "retry-after": "1" });
      json(res, 200, record({ phase: polls < 3 ? "creating" : "running" }));
    });
    // No retry inside the client: the wait itself meets the 429.
    const porter = new Porter({ baseUrl: server.url, maxRetries: 0 });
    const box = await porter.sandboxes.get("sbx_1");
    expect(await box.waitUntilRunning()).toBe(box);
    expect(box.phase).toBe("running");
    expect(arrivals).toHaveLength(3);
    expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(999);
  });

  test("a Retry-After past the wait's timeout fails the wait at once with the RateLimitError", async () => {
    let reads = 0;
    const server = await serve((_req, res) =>
      reads++ === 0
        ? json(res, 200, record({ phase: "creating" }))
        : json(res, 429, { error: "slow down" }, { "retry-after": "30" }),
    );
    const box = await new Porter({ baseUrl: server.url }).sandboxes.get("sbx_1");
    const error = await box.waitUntilRunning({ timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(30_000);
    expect(server.requests.map(wire)).toEqual(Array(2).fill("GET /v1/sandbox/sbx_1"));
  });

  test("porter.close() ends a wait between polls at once, with ClientClosedError", async () => {
    const server = await serve((_req, res) => json(res, 200, record({ phase: "creating" })));
    const porter = new Porter({ baseUrl: server.url });
    const box = await porter.sandboxes.get("sbx_1");
    server.handle((_req, res) => {
      json(res, 200, record({ phase: "creating" }));
      setTimeout(() => porter.close(), 5);
    });
    const error = await box.waitUntilRunning({ pollIntervalMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientClosedError);
    expect(server.requests).toHaveLength(2);
  }, 10_000);
});
