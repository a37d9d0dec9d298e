// File writes through the 307 with which Porter's API answers them: the SDK sends the method and the body
// again to the Location, keeps the credentials on the same origin and drops every credential header when
// the hop leaves it, and refuses, with StreamRedirectError, to pretend it can send a stream twice.
import type { ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Porter, SandboxError, StreamRedirectError, type Volume } from "../../src/index.js";
import { startServer, type Recorded, type TestServer } from "../helpers/http.js";
import { closeVolume, openVolume } from "../helpers/volume.js";

let server: TestServer;
let porter: Porter;
let volume: Volume;
let other: TestServer;

const CREDENTIALS = { cookie: "session=abc123", "proxy-authorization": "Basic cHJveHk6cGFzcw==" };

beforeEach(async () => {
  ({ server, porter, volume } = await openVolume(
    {},
    { apiKey: "secret-key", defaultHeaders: { ...CREDENTIALS, "x-team": "ml" } },
  ));
  other = await startServer((_req, res) => noContent(res));
});
afterEach(async () => {
  await closeVolume({ server, porter, volume });
  await other.close();
});

const CONTENT = "/v1/volume/vol_1/files/content";
const noContent = (res: ServerResponse) => void res.writeHead(204).end();
const redirect = (res: ServerResponse, status: number, location: string) =>
  void res.writeHead(status, { location }).end();

/** The API: a write to the content endpoint is answered `status` to `location`; anything else 204. */
function redirectWrites(location: () => string, status = 307): void {
  server.handle((req, res) => (req.path === CONTENT ? redirect(res, status, location()) : noContent(res)));
}

const bodies: [string, () => Uint8Array | string | Blob][] = [
  ["a Uint8Array", () => new Uint8Array([0, 1, 2, 254, 255])],
  ["a string", () => "héllo, redirected world\n"],
  ["a Blob", () => new Blob([new Uint8Array([9, 8]), "blob"])],
];
const expected: Record<string, number[]> = {
  "a Uint8Array": [0, 1, 2, 254, 255],
  "a string": Array.from(new TextEncoder().encode("héllo, redirected world\n")),
  "a Blob": [9, 8, ...Array.from(new TextEncoder().encode("blob"))],
};
const sent = (r: Recorded) => Array.from(r.body);

describe("a write answered with a redirect", () => {
  it.each(bodies)(
    "sends %s again, with its method and credentials, to a Location on the same origin",
    async (what, data) => {
      redirectWrites(() => "/v1/internal/write?token=t1");
      await volume.writeFile("out/result.bin", data());
      expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        `PUT ${CONTENT}?path=out%2Fresult.bin`,
        "PUT /v1/internal/write?token=t1",
      ]);
      for (const r of server.requests) {
        expect(sent(r)).toEqual(expected[what]);
        expect(r.headers["content-type"]).toBe("application/octet-stream");
        expect([r.headers.authorization, r.headers.cookie, r.headers["proxy-authorization"]]).toEqual([
          "Bearer secret-key",
          CREDENTIALS.cookie,
          CREDENTIALS["proxy-authorization"],
        ]);
      }
    },
  );

  it.each(bodies)(
    "sends %s to another origin without Authorization, Cookie or Proxy-Authorization",
    async (what, data) => {
      redirectWrites(() => `${other.url}/write/vol_1?sig=s1`);
      await volume.writeFile("out/result.bin", data());
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.headers.authorization).toBe("Bearer secret-key");
      expect(other.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["PUT /write/vol_1?sig=s1"]);
      const hop = other.requests[0]!;
      expect(sent(hop)).toEqual(expected[what]);
      expect(hop.headers["content-type"]).toBe("application/octet-stream");
      expect([hop.headers.authorization, hop.headers.cookie, hop.headers["proxy-authorization"]]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      // Headers that carry no credential go along.
      expect(hop.headers["x-team"]).toBe("ml");
    },
  );

  it("keeps the credentials dropped when a later hop comes back to the API's origin", async () => {
    redirectWrites(() => `${other.url}/bounce`);
    other.handle((req, res) =>
      req.path === "/bounce" ? redirect(res, 307, `${server.url}/v1/internal/write`) : noContent(res),
    );
    await volume.writeText("a.txt", "abc");
    expect(server.requests.map((r) => [r.path, r.headers.authorization, r.headers.cookie])).toEqual([
      [CONTENT, "Bearer secret-key", CREDENTIALS.cookie],
      ["/v1/internal/write", undefined, undefined],
    ]);
    expect(server.requests[1]!.body.toString()).toBe("abc");
  });

  it("follows a 308 the same way", async () => {
    redirectWrites(() => `${other.url}/write`, 308);
    await volume.writeText("a.txt", "abc");
    expect(other.requests.map((r) => [r.method, r.body.toString(), r.headers.authorization])).toEqual([
      ["PUT", "abc", undefined],
    ]);
  });

  it("surfaces the final location's error", async () => {
    redirectWrites(() => `${other.url}/write`);
    other.handle(
      (_req, res) =>
        void res
          .writeHead(403, { "content-type": "application/json" })
          .end(JSON.stringify({ error: "signature expired" })),
    );
    const error = (await volume.writeText("a.txt", "abc").catch((e: unknown) => e)) as SandboxError;
    expect(error.statusCode).toBe(403);
    expect(error.message).toContain("signature expired");
  });
});

describe("a streamed write answered with a redirect", () => {
  const streamOf = (...parts: number[][]) => {
    const queue = parts.map((p) => new Uint8Array(p));
    return new ReadableStream<Uint8Array>({ pull: (c) => (queue.length ? c.enqueue(queue.shift()!) : c.close()) });
  };

  it.each([
    ["the same origin", () => "/v1/internal/write"],
    ["another origin", () => `${other.url}/write?sig=SECRET-SIGNATURE`],
  ])("fails with StreamRedirectError for a Location on %s, and sends nothing there", async (_where, location) => {
    redirectWrites(location);
    const error = (await volume
      .writeFile("big.bin", streamOf([1, 2], [3]))
      .catch((e: unknown) => e)) as StreamRedirectError;
    expect(error).toBeInstanceOf(StreamRedirectError);
    expect(error).toBeInstanceOf(SandboxError);
    expect(error.name).toBe("StreamRedirectError");
    expect(error.code).toBe("stream_redirected");
    expect(error.message).toBe(
      `PUT ${CONTENT}: the API answered with a 307 to another location, and the request's body is a ReadableStream, which can be sent only once, ` +
        "so it was not sent again: nothing was written; pass the content as a Uint8Array, a string or a Blob",
    );
    // The first request carried the stream; the Location got nothing, and nothing was retried.
    expect(server.requests.map((r) => [r.path, sent(r)])).toEqual([[CONTENT, [1, 2, 3]]]);
    expect(other.requests).toHaveLength(0);
    expect(error.attempts).toBe(1);
  });

  it("still uploads a stream to an API that does not redirect", async () => {
    server.handle((_req, res) => noContent(res));
    await volume.writeFile("big.bin", streamOf([1, 2], [3]));
    expect(server.requests.map((r) => sent(r))).toEqual([[1, 2, 3]]);
  });

  it("the same content as a Blob goes through the redirect", async () => {
    redirectWrites(() => `${other.url}/write`);
    const blob = await new Response(streamOf([1, 2], [3])).blob();
    await volume.writeFile("big.bin", blob);
    expect(other.requests.map((r) => sent(r))).toEqual([[1, 2, 3]]);
  });
});
