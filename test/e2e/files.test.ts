// Volume files on the wire, with raw HTTP: writes answered 307 to a one-time upload link (as Porter's
// API does), atomic; ranged reads (suffix ranges, empty files); moves of files and directories that
// never overwrite; and every path confined to its volume. The nested listing is in file-listing.test.ts.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SandboxError } from "../../src/index.js";
import { startLocalServer } from "../../src/local/index.js";
import { json, post, runningSandbox, sh as shIn, terminate, useServer } from "./harness.js";

const h = useServer({ maxFileBytes: 64 });
let volume: string;
let sandbox: string;
const files = (p = "") => `/v1/volume/${volume}/files${p}`;
const content = (path: string) => files(`/content?path=${encodeURIComponent(path)}`);
const octets = { "content-type": "application/octet-stream" };
const streamed = (body: BodyInit) => (body instanceof ReadableStream ? { duplex: "half" } : {});

/** A write as a client of Porter's API makes it: the PUT is answered 307, and the body goes to the
 * Location. A stream can be sent only once, so the first request carries none. */
async function put(path: string, body: BodyInit): Promise<Response> {
  const first = await h.http(content(path), {
    method: "PUT",
    body: body instanceof ReadableStream ? "" : body,
    headers: octets,
    redirect: "manual",
  });
  if (first.status !== 307) return first;
  const location = new URL(first.headers.get("location")!, h.server.url);
  return fetch(location, { method: "PUT", body, headers: octets, ...streamed(body) } as RequestInit);
}
const get = (path: string, headers: Record<string, string> = {}) => h.http(content(path), { headers });
const sh = (script: string) => shIn(h, sandbox, script);

beforeAll(async () => {
  volume = (await post(h, "/v1/volume", {}, 201)).id;
  sandbox = await runningSandbox(h, { image: "alpine", volume_mounts: { "/mnt/v": volume } });
});
afterAll(async () => {
  if (sandbox) await terminate(h, sandbox);
});

describe("writes redirected to an upload link", () => {
  it("answers the PUT with 307 to a one-time link on the same server; the body sent there is written", async () => {
    const first = await h.http(content("/r/new.txt"), {
      method: "PUT",
      body: "ignored",
      headers: octets,
      redirect: "manual",
    });
    expect(first.status).toBe(307);
    const location = first.headers.get("location")!;
    expect(location).toMatch(/^\/_local\/uploads\/[\w-]{20,}$/);
    // Nothing is written until the body arrives at the link.
    expect((await get("r/new.txt")).status).toBe(404);
    const second = await fetch(new URL(location, h.server.url), { method: "PUT", body: "redirected", headers: octets });
    expect(second.status).toBe(204);
    expect(await (await get("r/new.txt")).text()).toBe("redirected");
    // The link is used up.
    const reused = await fetch(new URL(location, h.server.url), { method: "PUT", body: "again", headers: octets });
    expect([reused.status, (await reused.json()).code]).toEqual([404, "not_found"]);
    expect(await (await get("r/new.txt")).text()).toBe("redirected");
  });

  it("is followed by a plain fetch, which re-sends a byte body to the Location itself", async () => {
    // A Blob: the redirect-following of Node 20's fetch fails on a Uint8Array body ("detached ArrayBuffer").
    const res = await h.http(content("r/followed.bin"), {
      method: "PUT",
      body: new Blob([new Uint8Array([1, 2, 3])]),
      headers: octets,
    });
    expect([res.status, res.redirected]).toEqual([204, true]);
    expect(new Uint8Array(await (await get("r/followed.bin")).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("refuses what it can before redirecting: 409 for a directory, 413 for an announced oversize, 404 for no volume", async () => {
    await put("r/dir/inside.txt", "x");
    const dir = await h.http(content("r/dir"), { method: "PUT", body: "x", headers: octets, redirect: "manual" });
    expect(dir.status).toBe(409);
    const big = await h.http(content("r/big"), {
      method: "PUT",
      body: "x".repeat(65),
      headers: octets,
      redirect: "manual",
    });
    expect(big.status).toBe(413);
    const none = await h.http("/v1/volume/vol_none/files/content?path=a", {
      method: "PUT",
      body: "x",
      headers: octets,
      redirect: "manual",
    });
    expect(none.status).toBe(404);
  });

  it("takes the body on the first request with redirectWrites: false; links expire; they need no bearer token", async () => {
    const server = await startLocalServer({ quiet: true, token: "t0ken", redirectWrites: false, uploadLinkTtlMs: 1 });
    const auth = { authorization: "Bearer t0ken", ...octets };
    try {
      const vol = (
        await (
          await fetch(`${server.url}/v1/volume`, {
            method: "POST",
            body: "{}",
            headers: { ...auth, "content-type": "application/json" },
          })
        ).json()
      ).id;
      const direct = await fetch(`${server.url}/v1/volume/${vol}/files/content?path=a.txt`, {
        method: "PUT",
        body: "direct",
        headers: auth,
        redirect: "manual",
      });
      expect(direct.status).toBe(204);
      expect(
        await (await fetch(`${server.url}/v1/volume/${vol}/files/content?path=a.txt`, { headers: auth })).text(),
      ).toBe("direct");
    } finally {
      await server.close();
    }
    const redirecting = await startLocalServer({ quiet: true, token: "t0ken", uploadLinkTtlMs: 200 });
    try {
      const vol = (
        await (
          await fetch(`${redirecting.url}/v1/volume`, {
            method: "POST",
            body: "{}",
            headers: { ...auth, "content-type": "application/json" },
          })
        ).json()
      ).id;
      const link = async () => {
        const res = await fetch(`${redirecting.url}/v1/volume/${vol}/files/content?path=b.txt`, {
          method: "PUT",
          body: "",
          headers: auth,
          redirect: "manual",
        });
        expect(res.status).toBe(307);
        return new URL(res.headers.get("location")!, redirecting.url);
      };
      // The token in the link is the authorization, as with a presigned URL: no Authorization header.
      expect((await fetch(await link(), { method: "PUT", body: "by link", headers: octets })).status).toBe(204);
      const stale = await link();
      await new Promise((r) => setTimeout(r, 400));
      expect((await fetch(stale, { method: "PUT", body: "late", headers: octets })).status).toBe(404);
      expect(
        await (await fetch(`${redirecting.url}/v1/volume/${vol}/files/content?path=b.txt`, { headers: auth })).text(),
      ).toBe("by link");
      expect((await fetch(`${redirecting.url}/_local/uploads/x`, { method: "POST" })).status).toBe(405);
    } finally {
      await redirecting.close();
    }
  });
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
    expect(await sh("find mnt/v/a -type f | sort")).toBe("mnt/v/a/b/c.txt\n");
  });

  it("round-trips arbitrary bytes, and an empty file, which a ranged read answers 200, empty, with no Content-Range", async () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
    await put("bin.dat", bytes);
    expect(new Uint8Array(await (await get("bin.dat")).arrayBuffer())).toEqual(bytes);
    await put("empty", new Uint8Array(0));
    const empty = await get("empty");
    expect([empty.status, await empty.text()]).toEqual([200, ""]);
    for (const range of ["bytes=0-", "bytes=0-1048575", "bytes=-5"]) {
      const ranged = await get("empty", { range });
      expect([
        ranged.status,
        ranged.headers.get("content-range"),
        ranged.headers.get("content-length"),
        await ranged.text(),
      ]).toEqual([200, null, "0", ""]);
    }
  });

  it("serves byte ranges with 206 and Content-Range, suffix ranges included, and 416 past the end", async () => {
    await put("digits.txt", "0123456789");
    const part = await get("digits.txt", { range: "bytes=2-5" });
    expect([
      part.status,
      part.headers.get("content-range"),
      part.headers.get("content-length"),
      await part.text(),
    ]).toEqual([206, "bytes 2-5/10", "4", "2345"]);
    const rest = await get("digits.txt", { range: "bytes=7-" });
    expect([rest.status, rest.headers.get("content-range"), await rest.text()]).toEqual([206, "bytes 7-9/10", "789"]);
    const clamped = await get("digits.txt", { range: "bytes=8-100" });
    expect(await clamped.text()).toBe("89");
    const suffix = await get("digits.txt", { range: "bytes=-3" });
    expect([
      suffix.status,
      suffix.headers.get("content-range"),
      suffix.headers.get("content-length"),
      await suffix.text(),
    ]).toEqual([206, "bytes 7-9/10", "3", "789"]);
    const longSuffix = await get("digits.txt", { range: "bytes=-50" });
    expect([longSuffix.status, longSuffix.headers.get("content-range"), await longSuffix.text()]).toEqual([
      206,
      "bytes 0-9/10",
      "0123456789",
    ]);
    const past = await get("digits.txt", { range: "bytes=10-" });
    expect([past.status, past.headers.get("content-range")]).toEqual([416, "bytes */10"]);
    expect(await past.json()).toEqual({
      error: "range bytes=10- not satisfiable for a file of 10 bytes",
      code: "invalid_request",
    });
    expect((await get("digits.txt", { range: "bytes=-0" })).status).toBe(416);
    expect((await get("digits.txt", { range: "bytes=1-2,4-5" })).status).toBe(400);
  });

  it("refuses a body over the size limit with 413, whether announced or streamed", async () => {
    const tooBig = await put("big", new Blob(["x".repeat(65)]).stream());
    expect([tooBig.status, (await tooBig.json()).code]).toEqual([413, "invalid_request"]);
    // Announced by Content-Length: answered before the body is read.
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(h.server.url + content("big"));
      const req = request(url, { method: "PUT", headers: { "content-length": String(1 << 30), ...octets } }, (res) =>
        resolve(res.statusCode!),
      );
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
    expect([underFile.status, (await underFile.json()).error]).toEqual([
      409,
      'a parent of path "dir/inside.txt/deeper" is a file',
    ]);
    const missing = await get("nope.txt");
    expect([missing.status, (await missing.json()).code]).toEqual([404, "not_found"]);
    expect((await get("dir")).status).toBe(400);
  });
});

describe("versions: a strong ETag on reads, and If-Match", () => {
  const STRONG = /^"[\x21\x23-\x7E]+"$/;
  const tagOf = async (path: string, headers: Record<string, string> = {}) =>
    (await get(path, headers)).headers.get("etag");

  /** Replaces `path` with `data` (an atomic write, as every write is), then gives it the old version's
   * modification time to the nanosecond (`touch -r`): the same size and the same Last-Modified. */
  async function replaceKeepingTime(path: string, data: string): Promise<void> {
    await sh(`touch -r mnt/v/${path} mnt/v/${path}.time`);
    expect((await put(path, data)).status).toBe(204);
    await sh(`touch -r mnt/v/${path}.time mnt/v/${path} && rm mnt/v/${path}.time`);
  }

  it("sends the same strong ETag on whole and ranged reads while the file is unchanged", async () => {
    await put("tagged.txt", "0123456789");
    const whole = await tagOf("tagged.txt");
    expect(whole).toMatch(STRONG);
    expect(await tagOf("tagged.txt", { range: "bytes=2-5" })).toBe(whole);
    expect(await tagOf("tagged.txt", { range: "bytes=-3" })).toBe(whole);
    expect(await tagOf("tagged.txt")).toBe(whole);
  });

  it("gives a replacement of the same size with the very same modification time a new ETag", async () => {
    await put("swap.txt", "version one");
    const before = await get("swap.txt");
    await before.text();
    await replaceKeepingTime("swap.txt", "version two");
    const after = await get("swap.txt");
    expect(await after.text()).toBe("version two");
    // What a client without the ETag compares is the same: the size and Last-Modified.
    expect(after.headers.get("content-length")).toBe(before.headers.get("content-length"));
    expect(after.headers.get("last-modified")).toBe(before.headers.get("last-modified"));
    expect(after.headers.get("etag")).toMatch(STRONG);
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
  });

  it("honours If-Match: the range for the current tag, 412 (code conflict) for another, before the range is looked at", async () => {
    await put("matched.txt", "0123456789");
    const tag = (await tagOf("matched.txt"))!;
    const current = await get("matched.txt", { range: "bytes=2-5", "if-match": tag });
    expect([current.status, await current.text()]).toEqual([206, "2345"]);
    const whole = await get("matched.txt", { "if-match": tag });
    expect([whole.status, await whole.text()]).toEqual([200, "0123456789"]);
    await put("matched.txt", "9876543210");
    for (const range of ["bytes=2-5", "bytes=50-"]) {
      const stale = await get("matched.txt", { range, "if-match": tag });
      expect(stale.status).toBe(412);
      expect(await stale.json()).toEqual({
        error: `file "matched.txt" no longer matches If-Match ${tag}`,
        code: "conflict",
      });
    }
    // If-Match compares strongly, and the spec's rule takes one strong tag: a weak one is refused.
    expect((await get("matched.txt", { "if-match": `W/${tag}` })).status).toBe(400);
  });

  it("fails volume.stream() at the next chunk when the file is replaced mid-stream with the same size and time", async () => {
    const first = "a".repeat(48);
    await put("streamed.txt", first);
    const v = await h.porter.volumes.get(volume);
    const reader = v.stream("streamed.txt", { chunkBytes: 16 }).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(first.slice(0, 16));
    await replaceKeepingTime("streamed.txt", "b".repeat(48));
    const error = (await reader.read().catch((e: unknown) => e)) as SandboxError;
    expect(error).toBeInstanceOf(SandboxError);
    expect(error.code).toBe("conflict");
    expect(error.message).toBe("streamed.txt changed while it was being streamed (at byte 16); read it again");
    expect((error.cause as SandboxError).statusCode).toBe(412);
    // Read again, it streams the new version whole.
    let text = "";
    for await (const chunk of v.stream("streamed.txt", { chunkBytes: 16 })) text += new TextDecoder().decode(chunk);
    expect(text).toBe("b".repeat(48));
  });
});

describe("moving", () => {
  const move = (from: string, to: string) => h.http(files("/move"), json({ from, to }));

  it("moves a file, never over an existing one, and only into an existing directory", async () => {
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
  });

  it("moves a directory with everything under it, renaming and relocating it in one step", async () => {
    await put("d/src/a.txt", "a");
    await put("d/src/sub/b.txt", "b");
    await sh("mkdir -p mnt/v/d/archive");
    expect((await move("/d/src", "/d/archive/moved")).status).toBe(204);
    expect(await sh("cd mnt/v/d && find . | sort")).toBe(
      [
        ".",
        "./archive",
        "./archive/moved",
        "./archive/moved/a.txt",
        "./archive/moved/sub",
        "./archive/moved/sub/b.txt",
      ].join("\n") + "\n",
    );
    expect(await (await get("d/archive/moved/sub/b.txt")).text()).toBe("b");
  });

  it("never moves a directory over anything, not even an empty directory, and refuses the root and moves into itself", async () => {
    await put("e/src/keep.txt", "k");
    await put("e/file.txt", "f");
    await sh("mkdir -p mnt/v/e/empty");
    for (const to of ["e/empty", "e/file.txt", "e/src"]) {
      const res = await move("e/src", to);
      expect([res.status, (await res.json()).code]).toEqual([409, "conflict"]);
    }
    expect(await sh("cd mnt/v/e && find . | sort")).toBe(
      [".", "./empty", "./file.txt", "./src", "./src/keep.txt"].join("\n") + "\n",
    );
    const root = await move("/", "e/root");
    expect([root.status, (await root.json()).error]).toEqual([
      400,
      "invalid request: from: the volume root cannot be moved",
    ]);
    expect((await move("e/src", "/")).status).toBe(400);
    const into = await move("e/src", "e/src/inner");
    expect([into.status, (await into.json()).error]).toEqual([
      400,
      'invalid request: to "e/src/inner" is inside from "e/src"; a directory cannot be moved into itself',
    ]);
    expect((await get("e/src/keep.txt")).status).toBe(200);
  });
});

describe("path confinement", () => {
  it("refuses .. segments with 400, on every file endpoint", async () => {
    for (const res of [
      await get("../../../etc/passwd"),
      await h.http(content("a/../../escape.txt"), { method: "PUT", body: "x", headers: octets, redirect: "manual" }),
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
    const planted = await h.http(content("up/planted.txt"), {
      method: "PUT",
      body: "x",
      headers: octets,
      redirect: "manual",
    });
    for (const res of [await get("etc-link/passwd"), planted, await h.http(files("?path=etc-link"))]) {
      expect(res.status).toBe(400);
      expect((await res.json()).error).toContain("resolves outside the volume");
    }
    expect(await sh(`ls ${outside}`)).not.toContain("planted.txt");
    expect((await h.http(files("/move"), json({ from: "digits.txt", to: "up/stolen.txt" }))).status).toBe(400);
    expect(await (await get("inner-link")).text()).toBe("0123456789");
    const names = (await (await h.http(files())).json()).entries.map((e: { name: string }) => e.name);
    expect(names).toContain("inner-link");
    expect(names).not.toContain("etc-link");
    expect(names).not.toContain("up");
  });
});
