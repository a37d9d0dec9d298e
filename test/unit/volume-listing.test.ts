// listdir, iterdir and search against a loopback server that answers as Porter's API does: a breadth-first
// walk under `path` up to an entry budget, nested `entries`, `truncated` on directories the walk did not
// (fully) read, and a search answer pruned to the matches and the directories holding them.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Porter, ValidationError, type Volume, type VolumeTreeEntry } from "../../src/index.js";
import { json, type TestServer } from "../helpers/http.js";
import { allPaths, closeVolume, openVolume, serveTree, walkTree, type Tree } from "../helpers/volume.js";

let server: TestServer;
let porter: Porter;
let volume: Volume;

beforeEach(async () => {
  ({ server, porter, volume } = await openVolume());
});
afterEach(() => closeVolume({ server, porter, volume }));

const FILES = "/v1/volume/vol_1/files";
const wire = () => server.requests.map((r) => `${r.method} ${r.url}`);
const listed = () => server.requests.map((r) => r.query.get("path") ?? "(root)");

const tree: Tree = {
  "results.json": 18234,
  datasets: {
    "2025": { "train-000.parquet": 100, "train-001.parquet": 100, "TRAIN-notes.txt": 5 },
    "README.md": 10,
  },
  notes: { "hello.txt": 19, empty: {} },
  models: { "model-train.bin": 7 },
};

// Each entry as "path", directories as "path/" with their truncated flag when set.
const show = (e: VolumeTreeEntry) => (e.type === "directory" ? `${e.path}/${e.truncated ? " truncated" : ""}` : e.path);

async function walk(start?: string): Promise<string[]> {
  const seen: string[] = [];
  for await (const entry of volume.iterdir(start)) seen.push(show(entry));
  return seen;
}

async function refused(call: () => Promise<unknown>, message: string): Promise<void> {
  const error = await call().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).message).toContain(message);
  expect(server.requests).toHaveLength(0);
}

describe("the test server's walk (Porter's shapes)", () => {
  it("marks the directory read in part and the ones not entered, and keeps what it read", () => {
    const walked = walkTree(tree, 5);
    expect(walked.truncated).toBe(true);
    expect(walked.entries.map((e) => [e.name, e.truncated, e.entries])).toEqual([
      ["datasets", true, undefined],
      ["models", true, undefined],
      ["notes", true, undefined],
      ["results.json", undefined, undefined],
    ]);
  });
});

describe("listdir", () => {
  it("returns the API's answer as is: direct children, with the walk's nested entries on each directory", async () => {
    serveTree(server, tree, 100);
    const listing = await volume.listdir();
    expect(wire()).toEqual([`GET ${FILES}`]);
    expect(listing).toEqual({ path: "/", truncated: false, entries: walkTree(tree, 100).entries });
    expect(listing.entries.map((e) => e.name)).toEqual(["datasets", "models", "notes", "results.json"]);
    const datasets = listing.entries[0]!;
    expect(datasets.entries!.map((e) => e.name)).toEqual(["2025", "README.md"]);
    expect(datasets.entries![0]!.entries!.map((e) => e.name)).toEqual([
      "TRAIN-notes.txt",
      "train-000.parquet",
      "train-001.parquet",
    ]);
  });

  it("lists a directory by path, and keeps the truncated marks of a walk that ran out of budget", async () => {
    serveTree(server, tree, 2);
    const listing = await volume.listdir("datasets");
    expect(wire()).toEqual([`GET ${FILES}?path=datasets`]);
    expect(listing).toEqual({
      path: "/datasets",
      truncated: true,
      entries: [
        { name: "2025", type: "directory", size_bytes: 0, truncated: true },
        { name: "README.md", type: "file", size_bytes: 10, modified_at: "2025-11-21T14:20:45Z" },
      ],
    });
  });

  it.each([
    [() => volume.listdir(""), "invalid listdir arguments: path: must not be empty"],
    [() => volume.listdir("../etc"), 'path: must be a path on the volume without ".." segments'],
    [() => volume.listdir("a/b/../../.."), 'path: must be a path on the volume without ".." segments'],
  ])("refuses bad input before any request (%#)", (call, message) => refused(call, message));
});

describe("iterdir", () => {
  const everything = [
    "/datasets/",
    "/datasets/2025/",
    "/datasets/2025/TRAIN-notes.txt",
    "/datasets/2025/train-000.parquet",
    "/datasets/2025/train-001.parquet",
    "/datasets/README.md",
    "/models/",
    "/models/model-train.bin",
    "/notes/",
    "/notes/empty/",
    "/notes/hello.txt",
    "/results.json",
  ];

  it("yields every entry of a complete walk with its full path, from one request", async () => {
    serveTree(server, tree, 100);
    expect(await walk()).toEqual(everything);
    // The empty directory came back read (no `entries`, no `truncated`): nothing to list.
    expect(wire()).toEqual([`GET ${FILES}`]);
  });

  it("lists each directory the walk left truncated on its own, once, and yields every entry once", async () => {
    serveTree(server, tree, 5);
    const seen = await walk();
    expect(seen).toEqual(everything);
    expect(seen.map((s) => s.replace(/\/$/, "")).sort()).toEqual(allPaths(tree).sort());
    expect(listed()).toEqual(["(root)", "/datasets", "/models", "/notes"]);
  });

  it("with a budget of 1, follows the one directory each listing holds, and flags each listing as cut", async () => {
    serveTree(server, tree, 1);
    expect(await walk()).toEqual([
      "/datasets/ truncated",
      "/datasets/2025/ truncated",
      "/datasets/2025/TRAIN-notes.txt",
    ]);
    expect(listed()).toEqual(["(root)", "/datasets", "/datasets/2025"]);
  });

  it("yields a directory holding more entries than the budget with truncated: true, and what its own listing held", async () => {
    serveTree(server, { big: { f0: 1, f1: 1, f2: 1, f3: 1, f4: 1, f5: 1 }, other: { x: 1 } }, 4);
    expect(await walk()).toEqual([
      "/big/ truncated",
      "/big/f0",
      "/big/f1",
      "/big/f2",
      "/big/f3",
      "/other/",
      "/other/x",
    ]);
    expect(listed()).toEqual(["(root)", "/big", "/other"]);
  });

  it("does not flag a directory whose own listing ran out of budget below it (a subdirectory was entered, so its entries are all there)", async () => {
    serveTree(server, { d: { a: { x: 1 }, b: { y: 1, z: 1 }, f: 1 }, e: { k: 1 }, g: 1 }, 4);
    expect(await walk()).toEqual(["/d/", "/d/a/", "/d/a/x", "/d/b/", "/d/b/y", "/d/b/z", "/d/f", "/e/", "/e/k", "/g"]);
    // /d's own answer was truncated (the budget ran out inside b), and b, marked, was listed on its own.
    expect(listed()).toEqual(["(root)", "/d", "/d/b", "/e"]);
  });

  it("flags a directory whose own listing entered no subdirectory before the budget ran out (its entries may be cut)", async () => {
    // With a budget of 3, /datasets listed on its own reads 2025 and README.md, then runs out inside 2025:
    // nothing tells that from a cut among /datasets' own entries, so it is flagged. The root's own listing
    // was cut among its direct entries (results.json is missing): no entry can say so; listdir() does.
    serveTree(server, tree, 3);
    expect(await walk()).toEqual([
      "/datasets/ truncated",
      "/datasets/2025/",
      "/datasets/2025/TRAIN-notes.txt",
      "/datasets/2025/train-000.parquet",
      "/datasets/2025/train-001.parquet",
      "/datasets/README.md",
      "/models/",
      "/models/model-train.bin",
      "/notes/",
      "/notes/empty/",
      "/notes/hello.txt",
    ]);
    expect(listed()).toEqual(["(root)", "/datasets", "/datasets/2025", "/models", "/notes"]);
  });

  it("drops the partial entries of a directory marked truncated: its own listing has them all, so none comes twice", async () => {
    server.handle((req, res) => {
      const path = req.query.get("path");
      if (path === null)
        return json(res, 200, {
          path: "/",
          truncated: true,
          entries: [
            {
              name: "part",
              type: "directory",
              size_bytes: 0,
              truncated: true,
              entries: [{ name: "a", type: "file", size_bytes: 1 }],
            },
          ],
        });
      json(res, 200, {
        path,
        truncated: false,
        entries: [
          { name: "a", type: "file", size_bytes: 1 },
          { name: "b", type: "file", size_bytes: 2 },
        ],
      });
    });
    expect(await walk()).toEqual(["/part/", "/part/a", "/part/b"]);
    expect(listed()).toEqual(["(root)", "/part"]);
  });

  it("does not flag a directory whose own listing carries a subdirectory read in part (it was entered, so the direct entries are all there)", async () => {
    const sub = (name: string, extra: Record<string, unknown>) => ({
      name,
      type: "directory",
      size_bytes: 0,
      ...extra,
    });
    server.handle((req, res) => {
      const answers: Record<string, unknown> = {
        "(root)": { path: "/", truncated: true, entries: [sub("d", { truncated: true })] },
        "/d": {
          path: "/d",
          truncated: true,
          entries: [
            sub("big", { truncated: true, entries: [{ name: "x", type: "file", size_bytes: 1 }] }),
            { name: "f", type: "file", size_bytes: 1 },
          ],
        },
        "/d/big": {
          path: "/d/big",
          truncated: false,
          entries: [
            { name: "x", type: "file", size_bytes: 1 },
            { name: "y", type: "file", size_bytes: 1 },
          ],
        },
      };
      json(res, 200, answers[req.query.get("path") ?? "(root)"]);
    });
    expect(await walk()).toEqual(["/d/", "/d/big/", "/d/big/x", "/d/big/y", "/d/f"]);
    expect(listed()).toEqual(["(root)", "/d", "/d/big"]);
  });

  it("joins paths onto the directory the API says it walked", async () => {
    server.handle((req, res) =>
      req.query.get("path") === "data//sets"
        ? json(res, 200, {
            path: "/data/sets",
            truncated: false,
            entries: [{ name: "sub", type: "directory", size_bytes: 0, truncated: true }],
          })
        : json(res, 200, {
            path: "/data/sets/sub",
            truncated: false,
            entries: [{ name: "a", type: "file", size_bytes: 1 }],
          }),
    );
    expect(await walk("data//sets")).toEqual(["/data/sets/sub/", "/data/sets/sub/a"]);
    expect(listed()).toEqual(["data//sets", "/data/sets/sub"]);
  });

  it("yields the API's entries with wire names, a path, no nested entries, and truncated on directories only", async () => {
    serveTree(server, tree, 5);
    const entries: VolumeTreeEntry[] = [];
    for await (const entry of volume.iterdir()) entries.push(entry);
    expect(entries.find((e) => e.path === "/datasets")).toEqual({
      name: "datasets",
      type: "directory",
      size_bytes: 0,
      path: "/datasets",
      truncated: false,
    });
    expect(entries.find((e) => e.path === "/results.json")).toEqual({
      name: "results.json",
      type: "file",
      size_bytes: 18234,
      modified_at: "2025-11-21T14:20:45Z",
      path: "/results.json",
    });
  });

  it("is lazy: nothing is sent before iterating, and breaking off stops the listings", async () => {
    serveTree(server, tree, 5);
    const walker = volume.iterdir();
    expect(server.requests).toHaveLength(0);
    for await (const entry of walker) if (entry.path === "/datasets/README.md") break;
    expect(listed()).toEqual(["(root)", "/datasets"]);
  });

  it.each([["datasets"], ["/datasets"], ["datasets/"], ["/datasets/"]])(
    "starting from %j yields /-rooted paths",
    async (start) => {
      serveTree(server, tree, 100);
      expect((await walk(start))[0]).toBe("/datasets/2025/");
      expect(server.requests[0]!.query.get("path")).toBe(start);
    },
  );

  it("refuses a traversing start before any request", () =>
    refused(() => volume.iterdir("x/../..").next(), "invalid listdir arguments: path"));
});

describe("search", () => {
  const found = (result: { entries: VolumeTreeEntry[] }) => result.entries.map(show);

  it("sends search, and returns the entries whose own name contains the term, case-insensitively, with full paths", async () => {
    serveTree(server, tree, 100);
    const result = await volume.search("Train");
    expect(wire()).toEqual([`GET ${FILES}?search=Train`]);
    // The API's answer holds datasets/ and 2025/ and models/ too (they hold the matches); they are dropped.
    expect(found(result)).toEqual([
      "/datasets/2025/TRAIN-notes.txt",
      "/datasets/2025/train-000.parquet",
      "/datasets/2025/train-001.parquet",
      "/models/model-train.bin",
    ]);
    expect(result).toMatchObject({ path: "/", truncated: false });
    expect(result.entries[3]).toEqual({
      name: "model-train.bin",
      type: "file",
      size_bytes: 7,
      modified_at: "2025-11-21T14:20:45Z",
      path: "/models/model-train.bin",
    });
  });

  it("finds directories by name, and searches under path", async () => {
    serveTree(server, tree, 100);
    expect(found(await volume.search("2025", "datasets"))).toEqual(["/datasets/2025/"]);
    expect(found(await volume.search("E", "/notes"))).toEqual(["/notes/empty/", "/notes/hello.txt"]);
    expect(wire()).toEqual([`GET ${FILES}?path=datasets&search=2025`, `GET ${FILES}?path=%2Fnotes&search=E`]);
  });

  it("does not follow truncated directories (a plain listing would drop the term): one request, and truncated says so", async () => {
    serveTree(server, tree, 5);
    const result = await volume.search("train");
    expect(result).toEqual({ path: "/", entries: [], truncated: true });
    const dirs = await volume.search("notes");
    expect(found(dirs)).toEqual(["/notes/ truncated"]);
    expect(server.requests).toHaveLength(2);
  });

  it("keeps only matching names even when the server answers an unpruned listing", async () => {
    server.handle((_req, res) =>
      json(res, 200, {
        path: "/",
        truncated: false,
        entries: [
          { name: "data", type: "directory", size_bytes: 0, entries: [{ name: "a.csv", type: "file", size_bytes: 1 }] },
          { name: "b.CSV", type: "file", size_bytes: 2 },
        ],
      }),
    );
    expect(found(await volume.search(".csv"))).toEqual(["/data/a.csv", "/b.CSV"]);
  });

  it.each([
    [() => volume.search(""), "invalid search arguments: search: must be a non-empty string"],
    [() => volume.search(7 as never), "invalid search arguments: search: must be a non-empty string"],
    [() => volume.search("x", "/.."), 'path: must be a path on the volume without ".." segments'],
  ])("refuses bad input before any request (%#)", (call, message) => refused(call, message));
});
