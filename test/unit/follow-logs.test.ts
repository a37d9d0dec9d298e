// sandbox.followLogs() against a loopback server whose log book grows between polls, as a sandbox's does:
// each line is yielded once and in order (equal timestamps included), the iteration ends once the sandbox
// has ended and its last lines are read, and it stops on break, on a signal and on porter.close().
import { describe, expect, test } from "vitest";
import {
  ClientClosedError,
  Porter,
  RequestAbortedError,
  ValidationError,
  type LogLine,
  type Sandbox,
} from "../../src/index.js";
import { json, useServers, type Recorded, type TestServer } from "../helpers/http.js";
import { statusRecord } from "../helpers/records.js";

const serve = useServers();
const record = statusRecord;
const wire = (r: Recorded) => `${r.method} ${r.url}`;
const base = Date.now() - 60_000;
const at = (ms: number) => new Date(base + ms).toISOString();
const line = (text: string, timestamp: string, exec_id = ""): LogLine => ({
  timestamp,
  line: text,
  level: "info",
  exec_id,
});

interface Book {
  /** The lines written before each logs read: stage k is appended when the k-th read arrives. */
  stages: LogLine[][];
  /** The status read that first says the sandbox has ended (1-based); never by default. */
  endsAtStatus?: number;
  /** Answer each page newest first (the API promises no order). */
  newestFirst?: boolean;
}

/** A server with one sandbox whose log book grows as `book` says. A logs read answers the lines at or
 * after `since` (a duration back from now, or an RFC 3339 time), the most recent `limit` of them. */
async function sandboxWithLogs(book: Book): Promise<{ server: TestServer; porter: Porter; sandbox: Sandbox }> {
  const server = await serve((_req, res) => json(res, 200, record()));
  const porter = new Porter({ baseUrl: server.url, maxRetries: 0 });
  const sandbox = await porter.sandboxes.get("sbx_1");
  server.requests.length = 0;
  const written: LogLine[] = [];
  let statusReads = 0;
  let logReads = 0;
  server.handle((req, res) => {
    if (!req.path.endsWith("/logs")) {
      const ended = ++statusReads >= (book.endsAtStatus ?? Infinity);
      return json(res, 200, record(ended ? { phase: "succeeded", exit_code: 0 } : {}));
    }
    written.push(...(book.stages[logReads++] ?? []));
    const cutoff = sinceCutoff(req.query.get("since"));
    const limit = Number(req.query.get("limit") ?? 1000);
    const page = written.filter((l) => Date.parse(l.timestamp) >= cutoff).slice(-limit);
    json(res, 200, { sandbox_id: "sbx_1", logs: book.newestFirst ? page.reverse() : page });
  });
  return { server, porter, sandbox };
}

/** `since` as the local server reads it: whole seconds or minutes back from now, or an RFC 3339 time. */
function sinceCutoff(since: string | null): number {
  if (since === null) return -Infinity;
  const duration = /^(\d+)(s|m)$/.exec(since);
  if (!duration) return Date.parse(since);
  return Date.now() - Number(duration[1]) * (duration[2] === "m" ? 60_000 : 1000);
}

async function collect(lines: AsyncIterable<LogLine>): Promise<string[]> {
  const seen: string[] = [];
  for await (const l of lines) seen.push(l.line);
  return seen;
}

describe("followLogs yields each line once, in order, and ends with the sandbox", () => {
  // Three lines share T0 across two polls, two share T1: dedupe by timestamp alone would drop some.
  const stages = [
    [line("a", at(0)), line("b", at(0))],
    [],
    [line("c", at(0)), line("d", at(1))],
    [line("e", at(1)), line("f", at(2))],
  ];

  test("over several polls, with equal timestamps, ending after the read that follows the final phase", async () => {
    const { server, sandbox } = await sandboxWithLogs({ stages, endsAtStatus: 4 });
    expect(await collect(sandbox.followLogs({ pollIntervalMs: 250 }))).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(sandbox.phase).toBe("succeeded");
    // Each poll reads the status, then the logs; the fourth status says it ended, and one read follows.
    const urls = server.requests.map(wire);
    expect(urls.filter((u) => u === "GET /v1/sandbox/sbx_1")).toHaveLength(4);
    expect(urls.filter((u) => u.startsWith("GET /v1/sandbox/sbx_1/logs"))).toHaveLength(4);
    expect(urls.at(-1)).toMatch(/^GET \/v1\/sandbox\/sbx_1\/logs\?/);
    // The first poll asks for the caller's window (none here); later ones from shortly before the newest line.
    const logReads = server.requests.filter((r) => r.path.endsWith("/logs"));
    expect(logReads[0]!.url).toBe("/v1/sandbox/sbx_1/logs?limit=5000");
    for (const read of logReads.slice(1)) {
      expect(read.query.get("limit")).toBe("5000");
      expect(read.query.get("since")).toMatch(/^\d+s$/);
    }
  });

  test("pages answered newest first still come out oldest first, equal timestamps in the order written", async () => {
    // A page whose lines all share one timestamp shows no order; each page here spans two or more.
    const spanning = [[line("z", at(-1)), ...stages[0]!], ...stages.slice(1)];
    const { sandbox } = await sandboxWithLogs({ stages: spanning, endsAtStatus: 4, newestFirst: true });
    expect(await collect(sandbox.followLogs({ pollIntervalMs: 250 }))).toEqual(["z", "a", "b", "c", "d", "e", "f"]);
  });

  test("timestamps a fraction of a millisecond apart, in any order, are ordered to the nanosecond", async () => {
    const ms = at(5).slice(0, 23);
    const nanos = [line("third", `${ms}900001Z`), line("first", `${ms}000001Z`), line("second", `${ms}5Z`)];
    const { sandbox } = await sandboxWithLogs({ stages: [nanos], endsAtStatus: 1 });
    expect(await collect(sandbox.followLogs())).toEqual(["first", "second", "third"]);
  });

  test("a sandbox that already ended: one poll, its lines, the end; the caller's since and limit are sent", async () => {
    const { server, sandbox } = await sandboxWithLogs({ stages: [[line("done", at(0))]], endsAtStatus: 1 });
    expect(await collect(sandbox.followLogs({ since: "10m", limit: 50 }))).toEqual(["done"]);
    expect(server.requests.map(wire)).toEqual([
      "GET /v1/sandbox/sbx_1",
      "GET /v1/sandbox/sbx_1/logs?since=10m&limit=50",
    ]);
  });
});

describe("followLogs stops when asked", () => {
  test("break stops the polls", async () => {
    const { server, sandbox } = await sandboxWithLogs({ stages: [[line("a", at(0)), line("b", at(1))]] });
    for await (const l of sandbox.followLogs({ pollIntervalMs: 250 })) {
      expect(l.line).toBe("a");
      break;
    }
    const sent = server.requests.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(server.requests).toHaveLength(sent);
  });

  test("an aborted signal ends the iteration with RequestAbortedError, between polls", async () => {
    const { server, sandbox } = await sandboxWithLogs({ stages: [[line("a", at(0))]] });
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const l of sandbox.followLogs({ pollIntervalMs: 60_000, signal: controller.signal })) {
        seen.push(l.line);
        setTimeout(() => controller.abort(), 5);
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestAbortedError);
    expect((error as Error).message).toBe("following the logs of sandbox box: aborted by the caller's signal");
    expect([seen, server.requests.length]).toEqual([["a"], 2]);
  }, 10_000);

  test("porter.close() ends the iteration with ClientClosedError, between polls", async () => {
    const { server, porter, sandbox } = await sandboxWithLogs({ stages: [[line("a", at(0))]] });
    const error = await (async () => {
      for await (const _ of sandbox.followLogs({ pollIntervalMs: 60_000 })) setTimeout(() => porter.close(), 5);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientClosedError);
    expect(server.requests).toHaveLength(2);
  }, 10_000);

  test("a poll interval under 250 ms is refused when followLogs is called, before any request", async () => {
    const { server, sandbox } = await sandboxWithLogs({ stages: [] });
    expect(() => sandbox.followLogs({ pollIntervalMs: 100 })).toThrow(ValidationError);
    expect(server.requests).toHaveLength(0);
  });

  test("a 429 delays the next poll by its Retry-After instead of ending the iteration", async () => {
    const arrivals: number[] = [];
    let reads = 0;
    const server = await serve((req, res) => {
      arrivals.push(Date.now());
      // Ended by the second poll: the poll after the 429 is the last.
      if (!req.path.endsWith("/logs")) return json(res, 200, record({ phase: reads >= 1 ? "succeeded" : "running" }));
      if (++reads === 1) return json(res, 429, { error: "slow down" }, { "retry-after": "1" });
      json(res, 200, { sandbox_id: "sbx_1", logs: [line("a", at(0))] });
    });
    const sandbox = await new Porter({ baseUrl: server.url, maxRetries: 0 }).sandboxes.get("sbx_1");
    server.requests.length = 0;
    arrivals.length = 0;
    expect(await collect(sandbox.followLogs({ pollIntervalMs: 250 }))).toEqual(["a"]);
    expect(server.requests.map((r) => r.path)).toEqual([
      "/v1/sandbox/sbx_1",
      "/v1/sandbox/sbx_1/logs",
      "/v1/sandbox/sbx_1",
      "/v1/sandbox/sbx_1/logs",
    ]);
    expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(999);
  });
});
