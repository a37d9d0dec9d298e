// Creates against servers that do not honour Idempotency-Key (Porter's does not): what goes over the wire
// after an attempt whose outcome is unknown, and what the caller is told when the outcome cannot be known.
import type { ServerResponse } from "node:http";
import { describe, expect, test } from "vitest";
import { ConflictError, IDEMPOTENCY_TAG, Porter, SandboxError, ValidationError } from "../../src/index.js";
import { json, useServers, type Recorded } from "../helpers/http.js";

const serve = useServers();
const fast = { retryDelayMs: 1, maxRetryDelayMs: 2 };
const emptyPage = { sandboxes: [], pagination: { current_page: 1, total_pages: 0, has_next_page: false } };
const posts = (requests: Recorded[]) => requests.filter((r) => r.method === "POST");
const drop = (_req: Recorded, _res: ServerResponse, raw: { socket: { destroy(): void } }) => void raw.socket.destroy();

describe("the idempotency tag", () => {
  test("sixteen tags of the caller's leave no room for it: refused before sending, naming tags and the way out", async () => {
    const s = await serve((_req, res) => json(res, 500, { error: "no request should arrive" }));
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"]));
    const error = await new Porter({ baseUrl: s.url }).sandboxes
      .create({ image: "alpine", tags })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: "tags", message: expect.stringContaining("idempotencyTag: false") },
    ]);
    expect(s.requests).toHaveLength(0);
  });

  test("with idempotencyTag: false the spec goes out exactly as written", async () => {
    const s = await serve((req, res) =>
      req.method === "POST"
        ? json(res, 202, { id: "sbx_1", name: "sbx_1" })
        : json(res, 200, {
            id: "sbx_1",
            name: "sbx_1",
            image: "alpine",
            phase: "queued",
            created_at: "2026-11-22T00:00:00Z",
            host: "",
          }),
    );
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"]));
    await new Porter({ baseUrl: s.url, idempotencyTag: false }).sandboxes.create({ image: "alpine", tags });
    expect(s.requests[0]!.json).toEqual({ image: "alpine", tags });
  });

  test("the option must be a boolean", () => {
    expect(() => new Porter({ baseUrl: "http://127.0.0.1:1", idempotencyTag: "yes" as never })).toThrow(
      /idempotencyTag: must be true or false/,
    );
  });
});

describe("an attempt whose outcome is unknown", () => {
  test("is followed by a look for the tag, then the same create again, until the retries are used up; the error says the sandbox may exist", async () => {
    const s = await serve((req, res, raw) => (req.method === "GET" ? json(res, 200, emptyPage) : drop(req, res, raw)));
    const error = await new Porter({ baseUrl: s.url, maxRetries: 2, ...fast }).sandboxes
      .create({ image: "alpine" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxError);
    const key = String(posts(s.requests)[0]!.headers["idempotency-key"]);
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/sandbox/run",
      "GET /v1/sandbox",
      "POST /v1/sandbox/run",
      "GET /v1/sandbox",
      "POST /v1/sandbox/run",
      "GET /v1/sandbox",
    ]);
    expect(
      posts(s.requests).every((r) => (r.json as { tags: Record<string, string> }).tags[IDEMPOTENCY_TAG] === key),
    ).toBe(true);
    expect(error).toMatchObject({ attempts: 3, uncertainAttempts: 3, idempotencyKey: key });
    expect((error as Error).message).toContain(
      `The sandbox may have been created (idempotency key ${key}): no sandbox carrying its tag was found`,
    );
    expect((error as Error).message).toContain(`"${IDEMPOTENCY_TAG}": "${key}"`);
  });

  test("a 2xx whose body cannot be read counts as unknown: the sandbox is found by its tag", async () => {
    let made: Record<string, unknown> | undefined;
    const s = await serve((req, res) => {
      if (req.method === "POST") {
        made = {
          id: "sbx_9",
          name: "sbx_9",
          image: "alpine",
          tags: (req.json as { tags: object }).tags,
          phase: "queued",
          created_at: new Date().toISOString(),
          host: "",
        };
        return void res.writeHead(202, { "content-type": "text/html" }).end("<html>proxy says hi");
      }
      json(res, 200, { ...emptyPage, sandboxes: made ? [made] : [] });
    });
    const box = await new Porter({ baseUrl: s.url, ...fast }).sandboxes.create({ image: "alpine" });
    expect(box.id).toBe("sbx_9");
    expect(posts(s.requests)).toHaveLength(1);
  });

  test("when looking for the tag fails, nothing is sent again and the error says why", async () => {
    const s = await serve((req, res, raw) =>
      req.method === "GET" ? json(res, 500, { error: "list is down" }) : drop(req, res, raw),
    );
    const error = await new Porter({ baseUrl: s.url, maxRetries: 0, ...fast }).sandboxes
      .create({ image: "alpine" })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /may have been created .*looking for it failed: 500 internal_error: list is down/,
    );
    expect(posts(s.requests)).toHaveLength(1);
  });

  test("a 400 proves nothing was made: no look, no retry", async () => {
    const s = await serve((_req, res) => json(res, 400, { error: "bad image" }));
    await expect(new Porter({ baseUrl: s.url, ...fast }).sandboxes.create({ image: "alpine" })).rejects.toThrow(
      /bad image/,
    );
    expect(s.requests.map((r) => r.method)).toEqual(["POST"]);
  });

  test("without the tag an unnamed create is not sent again, and the error says the sandbox may exist", async () => {
    const s = await serve(drop);
    const error = await new Porter({ baseUrl: s.url, idempotencyTag: false, ...fast }).sandboxes
      .create({ image: "alpine" })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      "an unnamed create is not sent again without its tag (idempotencyTag: false)",
    );
    expect(s.requests).toHaveLength(1);
  });
});

describe("volume creates", () => {
  const volume = (over: object = {}) => ({
    id: "vol_1",
    name: "data",
    type: "disk",
    path: "volumes/vol_1",
    phase: "pending",
    attached_to: [],
    created_at: new Date().toISOString(),
    ...over,
  });

  test("an unnamed volume create is not sent again after an unknown outcome (a volume has no tag to find it by)", async () => {
    const s = await serve(drop);
    const error = await new Porter({ baseUrl: s.url, ...fast }).volumes.create().catch((e: unknown) => e);
    expect((error as Error).message).toContain("The volume may have been created");
    expect(s.requests).toHaveLength(1);
  });

  test("a committed create answered with an unreadable body counts as uncertain, and its error says the volume may exist", async () => {
    const s = await serve(
      (_req, res) => void res.writeHead(201, { "content-type": "text/html" }).end("<html>Bad Gateway"),
    );
    const error = await new Porter({ baseUrl: s.url, ...fast }).volumes.create().catch((e: unknown) => e);
    expect(error).toMatchObject({ attempts: 1, uncertainAttempts: 1 });
    expect((error as Error).message).toContain("The volume may have been created");
    expect(s.requests).toHaveLength(1);
  });

  test("a named one is sent again; the name conflict resolves to the volume its own lost attempt made", async () => {
    let made = false;
    const s = await serve((req, res, raw) => {
      if (req.method === "POST")
        return made ? json(res, 409, { error: "name data is taken" }) : ((made = true), drop(req, res, raw));
      if (req.path === "/v1/volume/lookup") return json(res, 200, { id: "vol_1" });
      json(res, 200, volume());
    });
    const created = await new Porter({ baseUrl: s.url, ...fast }).volumes.create({ name: "data" });
    expect(created.id).toBe("vol_1");
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/volume",
      "POST /v1/volume",
      "GET /v1/volume/lookup",
      "GET /v1/volume/vol_1",
    ]);
  });

  test("a conflict with a volume of another type, or one older than the call, is reported", async () => {
    for (const existing of [volume({ type: "object", path: "" }), volume({ created_at: "2020-01-01T00:00:00Z" })]) {
      let made = false;
      const s = await serve((req, res, raw) => {
        if (req.method === "POST")
          return made ? json(res, 409, { error: "name data is taken" }) : ((made = true), drop(req, res, raw));
        if (req.path === "/v1/volume/lookup") return json(res, 200, { id: "vol_1" });
        json(res, 200, existing);
      });
      await expect(new Porter({ baseUrl: s.url, ...fast }).volumes.create({ name: "data" })).rejects.toBeInstanceOf(
        ConflictError,
      );
    }
  });
});
