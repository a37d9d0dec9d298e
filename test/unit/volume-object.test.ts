// Object volumes have no file API in Porter's API (their objects are read through their bucket): every file
// method of a handle whose record says `type: "object"` is refused before any request. A record without
// `type` comes from an older server, and is a disk volume.
import { afterEach, describe, expect, it } from "vitest";
import { ObjectVolumeError, SandboxError, type Volume } from "../../src/index.js";
import { closeVolume, openVolume, type VolumeFixture } from "../helpers/volume.js";

let fixture: VolumeFixture | undefined;
afterEach(async () => {
  if (fixture) await closeVolume(fixture);
  fixture = undefined;
});

async function open(over: Record<string, unknown>): Promise<VolumeFixture> {
  fixture = await openVolume(over);
  return fixture;
}

const OBJECT = {
  name: "training-data",
  type: "object",
  path: "",
  object: { bucket: "ml-datasets", prefix: "train/2025", access: "read_only" },
};

// Every file method, called as a user would, each settled to what it threw or resolved with.
const calls: [string, (v: Volume) => Promise<unknown>][] = [
  ["listdir", (v) => v.listdir()],
  ["iterdir", (v) => v.iterdir("data").next()],
  ["search", (v) => v.search("csv")],
  ["readFile", (v) => v.readFile("labels.csv")],
  ["readText", (v) => v.readText("labels.csv", { offset: 0, length: 10 })],
  ["stream", async (v) => v.stream("labels.csv")],
  ["writeFile", (v) => v.writeFile("labels.csv", "a,b\n")],
  ["writeText", (v) => v.writeText("labels.csv", "a,b\n")],
  ["moveFile", (v) => v.moveFile("labels.csv", "old/labels.csv")],
];

describe("file methods on an object volume", () => {
  it.each(calls)("%s is refused with ObjectVolumeError naming the volume, before any request", async (method, call) => {
    const { server, volume } = await open(OBJECT);
    const error = (await call(volume).then(
      () => undefined,
      (e: unknown) => e,
    )) as ObjectVolumeError;
    expect(error).toBeInstanceOf(ObjectVolumeError);
    expect(error).toBeInstanceOf(SandboxError);
    expect(error.name).toBe("ObjectVolumeError");
    expect(error.code).toBe("object_volume");
    expect(error.volumeId).toBe("vol_1");
    expect(error.message).toBe(
      `${method}: volume training-data (vol_1) is an object volume (bucket ml-datasets, prefix train/2025), and Porter's API has a file API for disk volumes only; ` +
        "read and write its objects through its bucket, or from a sandbox that mounts the volume",
    );
    expect(server.requests).toHaveLength(0);
  });

  it("stream() throws at the call, as it does for bad input", async () => {
    const { server, volume } = await open(OBJECT);
    expect(() => volume.stream("labels.csv")).toThrow(ObjectVolumeError);
    expect(server.requests).toHaveLength(0);
  });

  it("names the volume without a bucket when the record carries no object settings", async () => {
    const { volume } = await open({ type: "object", path: "" });
    await expect(volume.listdir()).rejects.toThrow(
      /^listdir: volume data \(vol_1\) is an object volume, and Porter's API/,
    );
  });

  it("names the bucket alone when the record carries no prefix", async () => {
    const { volume } = await open({ ...OBJECT, object: { bucket: "ml-datasets" } });
    await expect(volume.readText("labels.csv")).rejects.toThrow(
      /^readText: volume training-data \(vol_1\) is an object volume \(bucket ml-datasets\), and Porter's API/,
    );
  });

  it("lifecycle methods still work: refresh() reaches the API", async () => {
    const { server, volume } = await open(OBJECT);
    await volume.refresh();
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /v1/volume/vol_1"]);
    expect(volume).toMatchObject({ type: "object", path: "", object: OBJECT.object });
  });
});

describe("file methods on a disk volume", () => {
  it.each([
    ["type: disk", { type: "disk" }],
    ["no type (an older server)", { type: undefined, path: undefined }],
  ])("are sent for a record with %s", async (_what, over) => {
    const { server, volume } = await open(over);
    server.handle((_req, res) => void res.writeHead(200, { "content-type": "application/octet-stream" }).end("a,b\n"));
    expect(await volume.readText("labels.csv")).toBe("a,b\n");
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/volume/vol_1/files/content"]);
  });
});
