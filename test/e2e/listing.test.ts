// Listing and counting sandboxes: filters, the live-only default, real pagination, filter values.
import { beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_TAG, type Sandbox } from "../../src/index.js";
import { eventually, useServer } from "./harness.js";

const h = useServer({ pageSize: 3 });
const run = `r${process.pid}`;
let created: Sandbox[] = [];
let before = "";
let between = "";

beforeAll(async () => {
  before = new Date(Date.now() - 1).toISOString();
  // Seven live sandboxes: four "web" (two python), three "batch"; then one that succeeds and one terminated.
  for (let i = 0; i < 7; i++) {
    if (i === 4) {
      await new Promise((r) => setTimeout(r, 5));
      between = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
    }
    created.push(
      await h.porter.sandboxes.create({
        image: i < 2 ? "python:3.12" : "alpine:3.20",
        name: `${i < 4 ? "web" : "batch"}-${run}-${i}`,
        tags: { run, kind: i < 4 ? "web" : "batch" },
      }),
    );
  }
  const done = await h.porter.sandboxes.create({
    image: "alpine:3.20",
    name: `done-${run}`,
    command: ["true"],
    tags: { run, kind: "batch" },
  });
  const gone = await h.porter.sandboxes.create({
    image: "alpine:3.20",
    name: `gone-${run}`,
    tags: { run, kind: "web" },
  });
  await gone.terminate();
  await eventually(async () => ((await h.porter.sandboxes.get(done.id)).phase === "succeeded" ? true : undefined));
  created = created.reverse(); // newest first, as listed
});

const ids = (list: Sandbox[]) => list.map((s) => s.id);

describe("listing sandboxes", () => {
  it("pages through live sandboxes only, newest first, three per page", async () => {
    const first = await h.porter.sandboxes.list({ tags: { run } });
    expect(ids(first)).toEqual(ids(created.slice(0, 3)));
    expect(first.pagination).toEqual({ current_page: 1, total_pages: 3, has_next_page: true });
    const second = await first.getNextPage();
    expect(ids(second)).toEqual(ids(created.slice(3, 6)));
    const third = await second.getNextPage();
    expect(ids(third)).toEqual(ids(created.slice(6)));
    expect(third.pagination).toEqual({ current_page: 3, total_pages: 3, has_next_page: false });
    const all: string[] = [];
    for await (const s of h.porter.sandboxes.list({ tags: { run } })) all.push(s.id);
    expect(all).toEqual(ids(created));
  });

  it("answers a page past the last one with an empty page", async () => {
    const res = await h.http(`/v1/sandbox?tag=run=${run}&page=9`);
    expect(await res.json()).toEqual({
      sandboxes: [],
      pagination: { current_page: 9, total_pages: 3, has_next_page: false },
    });
    const none = await h.http("/v1/sandbox?tag=run=nothing");
    expect(await none.json()).toEqual({
      sandboxes: [],
      pagination: { current_page: 1, total_pages: 0, has_next_page: false },
    });
  });

  it("filters by every tag given, phase, image, name prefix and creation time", async () => {
    const names = async (params: Parameters<typeof h.porter.sandboxes.list>[0]) => {
      const out: string[] = [];
      for await (const s of h.porter.sandboxes.list(params)) out.push(s.name);
      return out.sort();
    };
    expect(await names({ tags: { run, kind: "web" } })).toEqual([0, 1, 2, 3].map((i) => `web-${run}-${i}`));
    expect(await names({ tags: { run, kind: "web", other: "x" } })).toEqual([]);
    expect(await names({ tags: { run }, phase: ["succeeded", "terminated"] })).toEqual([`done-${run}`, `gone-${run}`]);
    expect(await names({ tags: { run }, phase: "terminated" })).toEqual([`gone-${run}`]);
    expect(await names({ tags: { run }, image: "python:3.12" })).toEqual([`web-${run}-0`, `web-${run}-1`]);
    expect(await names({ search: `batch-${run}` })).toEqual([4, 5, 6].map((i) => `batch-${run}-${i}`));
    expect(await names({ tags: { run }, start_time: between })).toEqual([4, 5, 6].map((i) => `batch-${run}-${i}`));
    expect(await names({ tags: { run }, start_time: before, end_time: between })).toEqual(
      [0, 1, 2, 3].map((i) => `web-${run}-${i}`),
    );
  });

  it("includes filter values when asked, as Porter gives them: every phase, distinct images, key=value tags", async () => {
    // Raw HTTP: the shape on the wire, whatever the SDK's types say.
    const res = await h.http(`/v1/sandbox?tag=run=${run}&phase=running&include_filter_values=true`);
    const { filter_values } = await res.json();
    // The SDK tags each create with its idempotency key; those tags are values too.
    const tags: string[] = filter_values.tags;
    expect(tags).toEqual([...new Set(tags)].sort());
    expect(tags.filter((t) => t.startsWith(`${IDEMPOTENCY_TAG}=`))).toHaveLength(9);
    filter_values.tags = tags.filter((t) => !t.startsWith(`${IDEMPOTENCY_TAG}=`));
    expect(filter_values).toEqual({
      // All six supported phases, even though only running sandboxes were asked for.
      phases: ["queued", "creating", "running", "succeeded", "failed", "terminated"],
      images: ["alpine:3.20", "python:3.12"],
      tags: ["kind=batch", "kind=web", `run=${run}`],
    });
    const without = await (await h.http(`/v1/sandbox?tag=run=${run}`)).json();
    expect(without).not.toHaveProperty("filter_values");
  });

  it("counts created sandboxes per time bucket, every phase by default", async () => {
    const counts = await h.porter.sandboxes.counts({ tags: { run } });
    expect(counts.granularity_ms).toBe(60_000);
    expect(counts.points.reduce((n, p) => n + p.count, 0)).toBe(9);
    for (const p of counts.points) expect(Date.parse(p.timestamp) % counts.granularity_ms).toBe(0);
    expect(
      (await h.porter.sandboxes.counts({ tags: { run }, phase: "running" })).points.reduce((n, p) => n + p.count, 0),
    ).toBe(7);
    const week = await h.porter.sandboxes.counts({
      tags: { run },
      start_time: new Date(Date.now() - 7 * 86_400_000).toISOString(),
    });
    expect(week.granularity_ms).toBe(86_400_000);
    expect(week.points.length).toBeGreaterThanOrEqual(7);
    expect(week.points.at(-1)!.count).toBe(9);
    expect(await h.porter.sandboxes.counts({ tags: { run: "nothing" } })).toEqual({
      points: [],
      granularity_ms: 60_000,
    });
  });
});
