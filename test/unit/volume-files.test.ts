// The Volume file API on the wire: read, write, move, and input refused before sending. Listing, walking
// and searching are in volume-listing.test.ts; writes through the API's 307 in volume-redirects.test.ts.
import type { ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConflictError,
  NotFoundError,
  Porter,
  SandboxError,
  ServerError,
  ValidationError,
  type Volume,
} from "../../src/index.js";
import { DEFAULTS } from "../../src/core/defaults.js";
import { json, type TestServer } from "../helpers/http.js";
import { closeVolume, openVolume } from "../helpers/volume.js";

let server: TestServer;
let porter: Porter;
let volume: Volume;

beforeEach(async () => {
  ({ server, porter, volume } = await openVolume());
});
afterEach(() => closeVolume({ server, porter, volume }));

const wire = () => server.requests.map((r) => `${r.method} ${r.url}`);
const CONTENT = "/v1/volume/vol_1/files/content";
const noContent = (res: ServerResponse) => void res.writeHead(204).end();

async function refused(call: () => Promise<unknown>, message: string): Promise<void> {
  const error = await call().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).message).toContain(message);
  expect(server.requests).toHaveLength(0);
}

describe("readFile and readText", () => {
  const body = new TextEncoder().encode("héllo, volume world\n");
  beforeEach(() =>
    server.handle((req, res) => {
      const m = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ""));
      if (!m) return void res.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
      // bytes=-n: the last n bytes (all of them when the file is shorter).
      const first = m[1] ? Number(m[1]) : Math.max(0, body.length - Number(m[2]));
      const last = m[1] && m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
      if (first >= body.length)
        return json(res, 416, { error: "range not satisfiable" }, { "content-range": `bytes */${body.length}` });
      res
        .writeHead(206, {
          "content-type": "application/octet-stream",
          "content-range": `bytes ${first}-${last}/${body.length}`,
        })
        .end(body.subarray(first, last + 1));
    }),
  );

  it("reads a whole file with no Range header", async () => {
    const bytes = await volume.readFile("/notes/hello.txt");
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes)).toEqual(Array.from(body));
    expect(wire()).toEqual([`GET ${CONTENT}?path=%2Fnotes%2Fhello.txt`]);
    expect(server.requests[0]!.headers.range).toBeUndefined();
    // The spec serves file content only as octet-stream; errors come back as JSON.
    expect(server.requests[0]!.headers.accept).toBe("application/octet-stream, application/json");
  });

  it("reads length bytes from offset as Range: bytes=offset-(offset+length-1)", async () => {
    expect(new TextDecoder().decode(await volume.readFile("hello.txt", { offset: 7, length: 6 }))).toBe(" volum");
    expect(new TextDecoder().decode(await volume.readFile("hello.txt", { offset: 14 }))).toBe(" world\n");
    expect(new TextDecoder().decode(await volume.readFile("hello.txt", { length: 3 }))).toBe("hé");
    expect(server.requests.map((r) => r.headers.range)).toEqual(["bytes=7-12", "bytes=14-", "bytes=0-2"]);
  });

  it("reads the last bytes of a file with { suffix } as Range: bytes=-suffix", async () => {
    expect(await volume.readText("hello.txt", { suffix: 6 })).toBe("world\n");
    expect(await volume.readText("hello.txt", { suffix: 1000 })).toBe("héllo, volume world\n");
    expect(server.requests.map((r) => r.headers.range)).toEqual(["bytes=-6", "bytes=-1000"]);
  });

  it("takes the suffix out of a 200 (an empty file, or a server that ignores Range)", async () => {
    server.handle((_req, res) => void res.writeHead(200).end(body));
    expect(await volume.readText("hello.txt", { suffix: 6 })).toBe("world\n");
    expect(await volume.readText("hello.txt", { suffix: 1000 })).toBe("héllo, volume world\n");
    server.handle((_req, res) => void res.writeHead(200).end());
    expect((await volume.readFile("empty.txt", { suffix: 6 })).byteLength).toBe(0);
    expect(server.requests.map((r) => r.headers.range)).toEqual(["bytes=-6", "bytes=-1000", "bytes=-6"]);
  });

  it("readText decodes UTF-8", async () => {
    expect(await volume.readText("hello.txt")).toBe("héllo, volume world\n");
    expect(await volume.readText("hello.txt", { offset: 1, length: 2 })).toBe("é");
    expect(server.requests.map((r) => r.headers.range)).toEqual([undefined, "bytes=1-2"]);
  });

  it("cuts the range out of a 200 from a server that ignores Range", async () => {
    server.handle((_req, res) => void res.writeHead(200).end(body));
    expect(new TextDecoder().decode(await volume.readFile("hello.txt", { offset: 8, length: 6 }))).toBe("volume");
    expect(server.requests[0]!.headers.range).toBe("bytes=8-13");
  });

  it("reads an empty file as empty bytes: Porter answers a ranged read of it 200, with no Content-Range", async () => {
    server.handle(
      (_req, res) =>
        void res.writeHead(200, { "content-type": "application/octet-stream", "content-length": "0" }).end(),
    );
    for (const range of [undefined, { offset: 0, length: 10 }, { offset: 5 }, { length: 1 }]) {
      const bytes = await volume.readFile("empty.txt", range);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(bytes.byteLength).toBe(0);
    }
    expect(await volume.readText("empty.txt", { offset: 0, length: 3 })).toBe("");
    expect(server.requests.map((r) => r.headers.range)).toEqual([
      undefined,
      "bytes=0-9",
      "bytes=5-",
      "bytes=0-0",
      "bytes=0-2",
    ]);
  });

  it("reports a range past the end as the API's 416", async () => {
    const error = (await volume.readFile("hello.txt", { offset: 1000 }).catch((e: unknown) => e)) as SandboxError;
    expect(error).toBeInstanceOf(SandboxError);
    expect(error.statusCode).toBe(416);
    expect(error.code).toBe("invalid_request");
  });

  it.each([
    ["../x", {}, 'path: must be a path on the volume without ".." segments'],
    ["a/../../x", {}, 'path: must be a path on the volume without ".." segments'],
    ["", {}, "path: must not be empty"],
    ["dir/", {}, 'path: must name a file, so must not end with "/"'],
    ["/", {}, 'path: must name a file, so must not end with "/"'],
    ["f", { offset: -1 }, "offset: must be a whole number of bytes, 0 or more"],
    ["f", { offset: 1.5 }, "offset: must be a whole number of bytes, 0 or more"],
    ["f", { length: 0 }, "length: must be a whole number of bytes, 1 or more"],
    ["f", { offset: 10, length: -5 }, "length: must be a whole number of bytes, 1 or more"],
    ["f", { offset: 2 ** 53 - 2, length: 4 }, "length: offset + length must be at most 2^53 - 1"],
    ["f", { suffix: 0 }, "suffix: must be a whole number of bytes, 1 or more"],
    ["f", { suffix: 2.5 }, "suffix: must be a whole number of bytes, 1 or more"],
    ["f", { suffix: 4, offset: 1 }, "suffix: cannot be combined with offset or length"],
    ["f", { suffix: 4, length: 1 }, "suffix: cannot be combined with offset or length"],
  ])("readFile(%j, %j) is refused before any request", async (path, range, message) => {
    await refused(() => volume.readFile(path, range), `invalid readFile arguments: ${message}`);
    await refused(() => volume.readText(path, range), message);
  });

  it("names every broken field at once", async () => {
    const error = (await volume
      .readFile("../x", { offset: -1, length: 0 })
      .catch((e: unknown) => e)) as ValidationError;
    expect(error.issues.map((i) => i.path)).toEqual(["path", "offset", "length"]);
  });
});

describe("writeFile and writeText", () => {
  beforeEach(() => server.handle((_req, res) => noContent(res)));
  const sent = () => Array.from(server.requests[0]!.body);

  it("PUTs bytes as application/octet-stream to the path", async () => {
    await volume.writeFile("/out/result.bin", new Uint8Array([0, 1, 2, 255]));
    expect(wire()).toEqual([`PUT ${CONTENT}?path=%2Fout%2Fresult.bin`]);
    expect(server.requests[0]!.headers["content-type"]).toBe("application/octet-stream");
    expect(server.requests[0]!.headers["idempotency-key"]).toBeUndefined();
    expect(sent()).toEqual([0, 1, 2, 255]);
  });

  it("sends only the view of a Uint8Array over a larger buffer", async () => {
    await volume.writeFile("f", new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 3));
    expect(sent()).toEqual([8, 7]);
  });

  it("encodes strings and writeText as UTF-8", async () => {
    await volume.writeText("notes/é.txt", "héllo");
    await volume.writeFile("notes/b.txt", "ok");
    expect(server.requests[0]!.query.get("path")).toBe("notes/é.txt");
    expect(sent()).toEqual(Array.from(new TextEncoder().encode("héllo")));
    expect(server.requests[1]!.body.toString()).toBe("ok");
  });

  it("sends a Blob's bytes", async () => {
    await volume.writeFile("blob.bin", new Blob([new Uint8Array([1, 2]), "3"], { type: "text/plain" }));
    expect(sent()).toEqual([1, 2, 51]);
    expect(server.requests[0]!.headers["content-type"]).toBe("application/octet-stream");
  });

  it("uploads a ReadableStream as it is read", async () => {
    const parts = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5, 6])];
    await volume.writeFile(
      "s.bin",
      new ReadableStream<Uint8Array>({ pull: (c) => (parts.length ? c.enqueue(parts.shift()!) : c.close()) }),
    );
    expect(sent()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("retries known-size bodies (PUT is idempotent) with the same bytes", async () => {
    let calls = 0;
    server.handle((_req, res) => (++calls === 1 ? json(res, 503, { error: "busy" }) : noContent(res)));
    await volume.writeFile("f", "same");
    expect(server.requests.map((r) => `${r.method} ${r.body.toString()}`)).toEqual(["PUT same", "PUT same"]);
  });

  it("never retries a stream body (it cannot be replayed)", async () => {
    server.handle((_req, res) => json(res, 503, { error: "busy" }));
    const once = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new Uint8Array([1])), c.close()) });
    await expect(volume.writeFile("f", once)).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
  });

  it("refuses a known size over 1 GiB before sending", async () => {
    const huge = new Blob([]);
    Object.defineProperty(huge, "size", { value: DEFAULTS.maxWriteBytes + 1 });
    await refused(
      () => volume.writeFile("big.bin", huge),
      "invalid writeFile arguments: data: must be at most 1073741824 bytes (1 GiB), the API's limit per file; has 1073741825",
    );
  });

  it.each([
    [() => volume.writeFile("../x", "a"), 'path: must be a path on the volume without ".." segments'],
    [() => volume.writeFile("out/", "a"), 'path: must name a file, so must not end with "/"'],
    [() => volume.writeFile("f", 42 as never), "data: must be a Uint8Array, a string, a Blob or a ReadableStream"],
    [() => volume.writeFile("f", new ArrayBuffer(1) as never), "data: must be a Uint8Array"],
    [() => volume.writeText("f", new Uint8Array(1) as never), "invalid writeText arguments: text: must be a string"],
  ])("refuses bad input before any request (%#)", async (call, message) => refused(call, message));
});

describe("moveFile", () => {
  it("POSTs {from, to} as JSON, with no Idempotency-Key", async () => {
    server.handle((_req, res) => noContent(res));
    await volume.moveFile("results.json", "archive/results-1.json");
    expect(wire()).toEqual(["POST /v1/volume/vol_1/files/move"]);
    expect(server.requests[0]!.json).toEqual({ from: "results.json", to: "archive/results-1.json" });
    expect(server.requests[0]!.headers["content-type"]).toBe("application/json");
    expect(server.requests[0]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("moves a directory with the same request: no client-side refusal, `from` sent without a trailing slash", async () => {
    server.handle((_req, res) => noContent(res));
    await volume.moveFile("datasets/2025", "archive/2025");
    await volume.moveFile("/datasets/2024/", "/archive/datasets-2024");
    expect(wire()).toEqual(["POST /v1/volume/vol_1/files/move", "POST /v1/volume/vol_1/files/move"]);
    expect(server.requests.map((r) => r.json)).toEqual([
      { from: "datasets/2025", to: "archive/2025" },
      { from: "/datasets/2024", to: "/archive/datasets-2024" },
    ]);
  });

  it("reports a directory move onto an occupied path as ConflictError (the API never overwrites)", async () => {
    server.handle((_req, res) => json(res, 409, { error: 'destination "archive/2025" already exists' }));
    const error = (await volume.moveFile("datasets/2025", "archive/2025").catch((e: unknown) => e)) as ConflictError;
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('destination "archive/2025" already exists');
    expect(server.requests).toHaveLength(1);
  });

  it("is not retried after a 503 that may have started the move", async () => {
    server.handle((_req, res) => json(res, 503, { error: "busy" }));
    await expect(volume.moveFile("a", "b")).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
  });

  it("is retried when the server says it did not start (503 with Retry-After)", async () => {
    let calls = 0;
    server.handle((_req, res) =>
      ++calls === 1 ? json(res, 503, { error: "busy" }, { "retry-after": "0" }) : noContent(res),
    );
    await volume.moveFile("a", "b");
    expect(server.requests.map((r) => r.json)).toEqual([
      { from: "a", to: "b" },
      { from: "a", to: "b" },
    ]);
  });

  it("reports an existing destination as ConflictError and a missing parent as NotFoundError", async () => {
    server.handle((req, res) =>
      (req.json as { to: string }).to === "taken"
        ? json(res, 409, { error: 'destination "taken" already exists' })
        : json(res, 404, { error: "no parent" }),
    );
    await expect(volume.moveFile("a", "taken")).rejects.toBeInstanceOf(ConflictError);
    await expect(volume.moveFile("a", "nodir/b")).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each([
    ["../a", "b", 'invalid moveFile arguments: from: must be a path on the volume without ".." segments'],
    ["a", "x/../../b", 'to: must be a path on the volume without ".." segments'],
    ["a", "", "to: must not be empty"],
    ["a", "dir/", 'to: must be the full new path, not a directory to move into, so must not end with "/"'],
    ["a", "/a", "to: must differ from `from` (a move never overwrites)"],
    ["dir/", "/dir", "to: must differ from `from` (a move never overwrites)"],
    ["/", "b", "from: must not be the volume root (it cannot be moved)"],
    ["//", "b", "from: must not be the volume root (it cannot be moved)"],
    ["a", "/", 'to: must be the full new path, not a directory to move into, so must not end with "/"'],
    ["datasets", "datasets/old", "to: must not be inside `from` (a directory cannot be moved into itself)"],
    ["/datasets/", "datasets/a/b", "to: must not be inside `from` (a directory cannot be moved into itself)"],
  ])("moveFile(%j, %j) is refused before any request", async (from, to, message) =>
    refused(() => volume.moveFile(from, to), message),
  );

  it("moves a sibling whose name starts with the source's name (not inside it)", async () => {
    server.handle((_req, res) => noContent(res));
    await volume.moveFile("datasets", "datasets-old");
    expect(server.requests[0]!.json).toEqual({ from: "datasets", to: "datasets-old" });
  });
});
