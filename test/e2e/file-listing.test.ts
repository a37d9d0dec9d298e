// The file listing as Porter's API answers it, with raw HTTP: a breadth-first walk of the whole tree
// under `path`, nested, up to the entry budget (10 on this server), directories first, per-directory
// `truncated`, and `search` pruned to the matches and their ancestors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post, runningSandbox, sh, terminate, useServer } from "./harness.js";

const h = useServer({ listEntryBudget: 10 });
let volume: string;
let sandbox: string;

interface Entry {
  name: string;
  type: "file" | "directory";
  size_bytes: number;
  modified_at?: string;
  truncated?: boolean;
  entries?: Entry[];
}

const list = async (query = "") => {
  const res = await h.http(`/v1/volume/${volume}/files${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { path: string; truncated: boolean; entries: Entry[] };
};
/** The tree as `name` for files, `name/` with its children for directories, `name/…` when truncated. */
const shape = (entries: Entry[]): unknown[] =>
  entries.map((e) =>
    e.type === "file" ? e.name : e.truncated ? `${e.name}/…` : { [`${e.name}/`]: shape(e.entries!) },
  );

beforeAll(async () => {
  volume = (await post(h, "/v1/volume", {}, 201)).id;
  sandbox = await runningSandbox(h, { image: "alpine", volume_mounts: { "/v": volume } });
  await sh(
    h,
    sandbox,
    [
      "cd v && mkdir -p list/sub/deeper list/emptydir b/a b/c b/d many",
      "printf 12345 > list/Alpha.TXT && printf 1 > list/beta.txt && printf 12 > list/sub/deep.txt && : > list/sub/deeper/x.txt",
      "for i in 1 2 3; do : > b/a/$i; done && for i in 1 2 3 4 5 6 7 8; do : > b/c/c$i; done && : > b/d/x && : > b/f1",
      "for i in 01 02 03 04 05 06 07 08 09 10 11 12; do : > many/f$i; done",
      "mkdir -p links/real && : > links/real/f && ln -s .. links/up && ln -s real/f links/f-link",
    ].join(" && "),
  );
});
afterAll(async () => {
  if (sandbox) await terminate(h, sandbox);
});

describe("the file listing walk", () => {
  it("walks the whole tree under path, nested, directories first then files, each by name", async () => {
    const res = await list("?path=list");
    expect(res.path).toBe("/list");
    expect(res.truncated).toBe(false);
    expect(shape(res.entries)).toEqual([
      { "emptydir/": [] },
      { "sub/": [{ "deeper/": ["x.txt"] }, "deep.txt"] },
      "Alpha.TXT",
      "beta.txt",
    ]);
    const [emptydir, sub, alpha] = res.entries;
    expect(emptydir).toMatchObject({ type: "directory", size_bytes: 0, entries: [] });
    expect(emptydir).not.toHaveProperty("truncated");
    expect(Date.parse(sub!.modified_at!)).not.toBeNaN();
    expect(sub!.entries![1]).toEqual({
      name: "deep.txt",
      type: "file",
      size_bytes: 2,
      modified_at: expect.any(String),
    });
    expect(alpha).toMatchObject({ type: "file", size_bytes: 5 });
  });

  it("echoes path in the /-rooted form, whatever form was given", async () => {
    for (const given of ["list", "/list", "list/", "/list//"])
      expect((await list(`?path=${encodeURIComponent(given)}`)).path).toBe("/list");
    expect((await list()).path).toBe("/");
    expect((await list("?path=%2F")).path).toBe("/");
  });

  it("stops at the budget: a directory it could not read whole is truncated with no entries, as is every one after it", async () => {
    // b holds a/ (3), c/ (8), d/ (1) and f1: 4 entries, then a's 3; c's 8 no longer fit the 10.
    const res = await list("?path=b");
    expect(res.truncated).toBe(true);
    expect(shape(res.entries)).toEqual([{ "a/": ["1", "2", "3"] }, "c/…", "d/…", "f1"]);
    expect(res.entries[1]).toEqual({
      name: "c",
      type: "directory",
      size_bytes: 0,
      modified_at: expect.any(String),
      truncated: true,
    });
    // Listed directly, a truncated directory comes back whole.
    const c = await list("?path=b/c");
    expect([c.path, c.truncated, c.entries.length]).toEqual(["/b/c", false, 8]);
  });

  it("keeps the first entries of a start directory that alone holds more than the budget", async () => {
    const res = await list("?path=many");
    expect(res.truncated).toBe(true);
    expect(res.entries.map((e) => e.name)).toEqual([
      "f01",
      "f02",
      "f03",
      "f04",
      "f05",
      "f06",
      "f07",
      "f08",
      "f09",
      "f10",
    ]);
  });

  it("searches names case-insensitively across the walked tree, pruned to the matches and their ancestors", async () => {
    const txt = await list("?path=list&search=TXT");
    expect(shape(txt.entries)).toEqual([{ "sub/": [{ "deeper/": ["x.txt"] }, "deep.txt"] }, "Alpha.TXT", "beta.txt"]);
    // A matching directory stays, with only the matches below it.
    const deep = await list("?path=list&search=deep");
    expect(shape(deep.entries)).toEqual([{ "sub/": [{ "deeper/": [] }, "deep.txt"] }]);
    expect((await list("?path=list&search=nothing-like-it")).entries).toEqual([]);
    // Only as far as the walk reached: b/c was not read, so none of its files are found.
    const c = await list("?path=b&search=c");
    expect([shape(c.entries), c.truncated]).toEqual([["c/…"], true]);
  });

  it("lists a symlink inside the volume as what it points to, without walking into linked directories (no loops)", async () => {
    const res = await list("?path=links");
    expect([shape(res.entries), res.truncated]).toEqual([[{ "real/": ["f"] }, "up/…", "f-link"], false]);
  });

  it("refuses a path that is a file (400) or missing (404)", async () => {
    expect((await h.http(`/v1/volume/${volume}/files?path=list/beta.txt`)).status).toBe(400);
    expect((await h.http(`/v1/volume/${volume}/files?path=absent`)).status).toBe(404);
  });
});
