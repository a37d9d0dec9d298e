// Defects a cold review of the day's changes found, each pinned on the wire.
import { describe, expect, test } from "vitest";
import { Porter, RequestAbortedError, ValidationError } from "../../src/index.js";
import { json, useServers } from "../helpers/http.js";
import { statusRecord } from "../helpers/records.js";

const serve = useServers();
const fast = { retryDelayMs: 1, maxRetryDelayMs: 2 };
const KEY = "eyJhbGciOiJIUzI1NiJ9.eyJwcm9qZWN0X2lkIjo3fQ.SIGNATURE-PART-0123456789";
const running = statusRecord();

describe("review fixes", () => {
  test("an HTML error page cut inside the echoed key shows no part of it: the key is taken out before the cut", async () => {
    // Pad so that the 200-character excerpt would end one character before the key does.
    const s = await serve((req, res) => {
      const echoed = `Bearer ${KEY}`;
      const pad = "x".repeat(200 - echoed.length + 1 - 10);
      void res.writeHead(401, { "content-type": "text/html" }).end(`<p>${pad} 123456789${echoed} tail</p>`);
    });
    const error = await new Porter({ baseUrl: s.url, apiKey: KEY }).healthz.healthCheck().catch((e: unknown) => e);
    const text = `${(error as Error).message} ${JSON.stringify((error as { body?: unknown }).body)}`;
    expect(text).not.toContain(KEY.slice(0, 40));
  });

  test("a named volume create answered 500 after it was made, then 409, resolves to that volume", async () => {
    let posts = 0;
    const volume = {
      id: "vol_1",
      name: "data",
      type: "disk",
      path: "volumes/vol_1",
      phase: "ready",
      attached_to: [],
      created_at: new Date(Date.now() + 1_000).toISOString(),
    };
    const s = await serve((req, res) => {
      if (req.method === "POST")
        return ++posts === 1 ? json(res, 500, { error: "made, then failed" }) : json(res, 409, { error: "taken" });
      if (req.path === "/v1/volume/lookup") return json(res, 200, { id: "vol_1" });
      json(res, 200, volume);
    });
    const created = await new Porter({ baseUrl: s.url, ...fast }).volumes.create({ name: "data" });
    expect(created.id).toBe("vol_1");
    expect(s.requests.filter((r) => r.method === "POST")).toHaveLength(2);
  });

  test("followLogs ends at once when its signal fires before a pause", async () => {
    const s = await serve((req, res) =>
      req.path.endsWith("/logs")
        ? json(res, 200, {
            sandbox_id: "sbx_1",
            logs: [{ timestamp: "2026-11-22T00:00:01Z", line: "hi", level: "info", exec_id: "" }],
          })
        : json(res, 200, running),
    );
    const sandbox = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
    const controller = new AbortController();
    const started = Date.now();
    const ended = (async () => {
      for await (const _line of sandbox.followLogs({ pollIntervalMs: 20_000, signal: controller.signal }))
        controller.abort();
    })().catch((e: unknown) => e);
    expect(await ended).toBeInstanceOf(RequestAbortedError);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 15_000);

  test("a poll interval of Infinity is refused (it would never poll again)", async () => {
    const s = await serve((_req, res) => json(res, 200, running));
    const sandbox = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
    await expect(sandbox.waitUntilRunning({ pollIntervalMs: Infinity })).rejects.toBeInstanceOf(ValidationError);
  });

  test("a key too long for its header is reported as the key, before any request", async () => {
    const s = await serve((_req, res) => json(res, 500, { error: "no request should arrive" }));
    const error = await new Porter({ baseUrl: s.url }).sandboxes
      .create({ image: "alpine" }, { idempotencyKey: "k".repeat(600) })
      .catch((e: unknown) => e);
    expect((error as ValidationError).issues).toEqual([
      { path: "Idempotency-Key", message: "must be at most 255 characters" },
    ]);
    expect(s.requests).toHaveLength(0);
  });

  test("an image beside snapshot_id is refused before sending (Porter: the snapshot is the image)", async () => {
    const s = await serve((_req, res) => json(res, 500, { error: "no request should arrive" }));
    const error = await new Porter({ baseUrl: s.url }).sandboxes
      .create({ image: "alpine", snapshot_id: "snap_1" })
      .catch((e: unknown) => e);
    expect((error as ValidationError).issues).toEqual([
      { path: "image", message: "must be left out when snapshot_id is set" },
    ]);
    expect(s.requests).toHaveLength(0);
  });
});
