// Volume files on the wire: atomic writes, ranged reads, one-level listings with search, moves that
// never overwrite, and every path confined to its volume.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox, Volume } from "../../src/index.js";
import { json, useServer } from "./harness.js";

const h = useServer({ maxFileBytes: 64 });
let volume: Volume;
let sandbox: Sandbox;
const files = (p = "") => `/v1/volume/${volume.id}/files${p}`;
const put = (path: string, body: BodyInit) =>
  h.http(files(`/content?path=${encodeURIComponent(path)}`), {
    method: "PUT", body, headers: { "content-type": "application/octet-stream" }, ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
const get = (path: string, headers: Record<string, string> = {}) => h.http(files(`/content?path=${encodeURIComponent(path)}`), { headers });
const list = async (query = "") => (await h.http(files(query))).json();
const sh = async (script: string) => (await sandbox.exec(["sh", "-c", script])).stdout;

beforeAll(async () => {
  volume = await h.porter.volumes.create();
  sandbox = await h.porter.sandboxes.create({ image: "alpine", volume_mounts: { "/mnt/v": volume.id } });
  await sandbox.waitUntilRunning({ pollIntervalMs: 10 });
});
afterAll(async () => {
  await sandbox?.terminate();
});

describe("writing and reading", () => {
  it("writes creating parents, replaces atomically, and reads back whole with its headers", async () => {
    expect((await put("/a/b/c.txt", "first version")).status).toBe(204);
    expect(await sh("cat mnt/v/a/b/c.txt")).toBe("first version");
    expect((await put("a/b/c.txt", "second")).status).toBe(204);
    const res = await get("a/b/c.txt");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-length")).toBe("6");
    expect(Date.parse(res.headers.get("last-modified")!)).not.toBeNaN();
    expect(await res.text()).toBe("second");
    // No temporary file is ever left in the volume.
    expect(await sh("find mnt/v/ -type f | sort")).toBe("mnt/v/a/b/c.txt\n");
  });

  it("round-trips arbitrary bytes, and an empty file", async () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
    await put("bin.dat", bytes);
    expect(new Uint8Array(await (await get("bin.dat")).arrayBuffer())).toEqual(bytes);
    await put("empty", new Uint8Array(0));
    const empty = await get("empty");
    expect([empty.status, await empty.text()]).toEqual([200, ""]);
  });

  it("serves byte ranges with 206 and Content-Range, and 416 past the end", async () => {
    await put("digits.txt", "0123456789");
    const part = await get("digits.txt", { range: "bytes=2-5" });
    expect([part.status, part.headers.get("content-range"), part.headers.get("content-length"), await part.text()]).toEqual([206, "bytes 2-5/10", "4", "2345"]);
    const rest = await get("digits.txt", { range: "bytes=7-" });
    expect([rest.status, rest.headers.get("content-range"), await rest.text()]).toEqual([206, "bytes 7-9/10", "789"]);
    const clamped = await get("digits.txt", { range: "bytes=8-100" });
    expect(await clamped.text()).toBe("89");
    const past = await get("digits.txt", { range: "bytes=10-" });
    expect([past.status, past.headers.get("content-range")]).toEqual([416, "bytes */10"]);
    expect(await past.json()).toEqual({ error: "range bytes=10- not satisfiable for a file of 10 bytes", code: "invalid_request" });
    const malformed = await get("digits.txt", { range: "bytes=-3" });
    expect(malformed.status).toBe(400);
  });

  it("refuses a body over the size limit with 413, whether announced or streamed", async () => {
    const streamed = await put("big", new Blob(["x".repeat(65)]).stream());
    expect([streamed.status, (await streamed.json()).code]).toEqual([413, "invalid_request"]);
    // Announced by Content-Length: answered before the body is read.
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(h.server.url + files("/content?path=big"));
      const req = request(url, { method: "PUT", headers: { "content-length": String(1 << 30), "content-type": "application/octet-stream" } }, (res) => resolve(res.statusCode!));
      req.on("error", reject);
      req.write("only a few bytes");
    });
    expect(status).toBe(413);
    expect((await get("big")).status).toBe(404);
    expect((await put("exactly", "y".repeat(64))).status).toBe(204);
  });

  it("answers 409 when the path is a directory or a parent is a file, 404 for a missing file", async () => {
    await put("dir/inside.txt", "x");
    expect((await put("dir", "x")).status).toBe(409);
    const underFile = await put("dir/inside.txt/deeper", "x");
    expect([underFile.status, (await underFile.json()).error]).toEqual([409, 'a parent of path "dir/inside.txt/deeper" is a file']);
    const missing = await get("nope.txt");
    expect([missing.status, (await missing.json()).code]).toEqual([404, "not_found"]);
    expect((await get("dir")).status).toBe(400);
  });
});

describe("listing and moving", () => {
  it("lists one level with sizes and types, searches case-insensitively, and says when it truncated", async () => {
    await put("list/Alpha.TXT", "12345");
    await put("list/beta.txt", "1");
    await put("list/sub/deep.txt", "1");
    const root = await list("?path=list");
    expect(root).toMatchObject({ path: "list", truncated: false });
    expect(root.entries.map((e: { name: string; type: string; size_bytes: number }) => [e.name, e.type, e.size_bytes])).toEqual([
      ["Alpha.TXT", "file", 5], ["beta.txt", "file", 1], ["sub", "directory", 0],
    ]);
    const found = await list("?path=/list&search=alpha.t");
    expect(found.entries.map((e: { name: string }) => e.name)).toEqual(["Alpha.TXT"]);
    const top = await list();
    expect(top.path).toBe("/");
    await sh("mkdir mnt/v/many && cd mnt/v/many && for i in $(seq 1 1005); do : > f$i; done");
    const many = await list("?path=many");
    expect([many.entries.length, many.truncated]).toEqual([1000, true]);
    expect((await list("?path=many&search=f100")).entries.length).toBe(7); // f100, f1000..f1005
    expect((await h.http(files("?path=list/beta.txt"))).status).toBe(400);
    expect((await h.http(files("?path=absent"))).status).toBe(404);
  });

  it("moves a file, never over an existing one, and only into an existing directory", async () => {
    const move = (from: string, to: string) => h.http(files("/move"), json({ from, to }));
    await put("m/one.txt", "one");
    await put("m/two.txt", "two");
    expect((await move("m/one.txt", "m/renamed.txt")).status).toBe(204);
    expect(await (await get("m/renamed.txt")).text()).toBe("one");
    expect((await get("m/one.txt")).status).toBe(404);
    const clash = await move("m/renamed.txt", "m/two.txt");
    expect([clash.status, (await clash.json()).error]).toEqual([409, 'destination "m/two.txt" already exists']);
    expect(await (await get("m/two.txt")).text()).toBe("two");
    expect((await move("m/two.txt", "nowhere/two.txt")).status).toBe(404);
    expect((await move("m/absent.txt", "m/x.txt")).status).toBe(404);
    expect((await move("m", "m2")).status).toBe(400);
  });
});

describe("path confinement", () => {
  it("refuses .. segments with 400, on every file endpoint", async () => {
    for (const res of [
      await get("../../../etc/passwd"),
      await put("a/../../escape.txt", "x"),
      await h.http(files("?path=..")),
      await h.http(files("/move"), json({ from: "../x", to: "y" })),
      await h.http(files("/move"), json({ from: "digits.txt", to: "sub/../../y" })),
    ]) {
      expect(res.status).toBe(400);
      expect((await res.json()).code).toBe("invalid_request");
    }
  });

  it("treats absolute paths as relative to the volume root, never the host's", async () => {
    const res = await get("/etc/passwd");
    expect(res.status).toBe(404);
    expect((await put("/etc/passwd", "inside the volume")).status).toBe(204);
    expect(await sh("cat mnt/v/etc/passwd")).toBe("inside the volume");
  });

  it("refuses to follow a symlink that leads out of the volume, and lists only links that stay inside", async () => {
    const outside = (await sh("cd .. && pwd")).trim();
    await sh(`ln -s /etc mnt/v/etc-link && ln -s ${outside} mnt/v/up && ln -s digits.txt mnt/v/inner-link`);
    for (const res of [await get("etc-link/passwd"), await put("up/planted.txt", "x"), await h.http(files("?path=etc-link"))]) {
      expect(res.status).toBe(400);
      expect((await res.json()).error).toContain("resolves outside the volume");
    }
    expect(await sh(`ls ${outside}`)).not.toContain("planted.txt");
    expect((await h.http(files("/move"), json({ from: "digits.txt", to: "up/stolen.txt" }))).status).toBe(400);
    expect(await (await get("inner-link")).text()).toBe("0123456789");
    const names = (await list()).entries.map((e: { name: string }) => e.name);
    expect(names).toContain("inner-link");
    expect(names).not.toContain("etc-link");
    expect(names).not.toContain("up");
  });
});
