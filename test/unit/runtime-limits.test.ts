// A call with no timeout (exec) or one longer than the runtime's own fetch limit is bounded by its own
// budget and nothing else. Node's fetch gives up waiting for response headers after 300 s; this test lowers
// that limit (the test hook: a global dispatcher with a 300 ms headersTimeout, installed where undici looks
// for it) and runs the production path against a server that answers after a second.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ConnectionError, Porter } from "../../src/index.js";
import { json, useServers } from "../helpers/http.js";
import { statusRecord } from "../helpers/records.js";

const serve = useServers();
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const globals = globalThis as unknown as Record<symbol, object>;
const status = statusRecord();

let original: object;
beforeEach(() => {
  new Request("http://localhost/"); // loads undici, which registers its global dispatcher
  original = globals[GLOBAL_DISPATCHER]!;
  const Agent = original.constructor as new (options: { headersTimeout: number }) => object;
  globals[GLOBAL_DISPATCHER] = new Agent({ headersTimeout: 300 });
});
afterEach(() => {
  globals[GLOBAL_DISPATCHER] = original;
});

/** A server whose exec answers after `delayMs`; everything else at once. */
const slowExec = (delayMs: number) =>
  serve((req, res) => {
    if (!req.path.endsWith("/exec")) return json(res, 200, status);
    setTimeout(() => json(res, 200, { stdout: "done\n", stderr: "", exit_code: 0 }), delayMs);
  });

describe("the runtime's own fetch limit", () => {
  test("the hook works: plain fetch gives up on the slow answer at the lowered limit", async () => {
    const s = await slowExec(1_000);
    const error = await fetch(`${s.url}/v1/sandbox/sbx_1/exec`, { method: "POST" }).catch((e: unknown) => e);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe("UND_ERR_HEADERS_TIMEOUT");
  });

  test("an exec with no timeout outlives it", async () => {
    const s = await slowExec(1_000);
    const sandbox = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
    expect((await sandbox.exec(["make", "test"])).stdout).toBe("done\n");
  });

  test("so does one whose timeout is longer than the runtime's limit", async () => {
    const s = await slowExec(1_000);
    const sandbox = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
    expect((await sandbox.exec(["make", "test"], { timeoutMs: 15 * 60_000 })).exit_code).toBe(0);
  });

  test("a call whose budget is within the runtime's limit keeps the user's dispatcher as it is", async () => {
    const s = await slowExec(1_000);
    const sandbox = await new Porter({ baseUrl: s.url, maxRetries: 0 }).sandboxes.get("sbx_1");
    const error = await sandbox.exec(["make", "test"], { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain("UND_ERR_HEADERS_TIMEOUT");
  });

  test("a fetch of the caller's own is given nothing of the runtime's", async () => {
    const s = await slowExec(0);
    const inits: RequestInit[] = [];
    const own: typeof fetch = (input, init) => {
      inits.push(init!);
      return fetch(input, init);
    };
    const sandbox = await new Porter({ baseUrl: s.url, fetch: own }).sandboxes.get("sbx_1");
    await sandbox.exec(["true"]);
    expect(inits.every((init) => !("dispatcher" in init) && !("timeout" in init))).toBe(true);
  });
});
