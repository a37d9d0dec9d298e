// Bad input fails before any request, naming the field and the rule; the rules come from the spec,
// and the SDK's compact interpreter agrees with zod reading the same rules.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as z from "zod";
import { schemas } from "../../generated/request-rules.js";
import { Porter, ValidationError, type ListSandboxesParams, type SandboxSpec } from "../../src/index.js";
import { check } from "../../src/internal/validate.js";
import { json, startServer, type TestServer } from "../helpers/http.js";

let s: TestServer;
let porter: Porter;
beforeAll(async () => {
  s = await startServer((_req, res) => json(res, 500, { error: "no request should arrive" }));
  porter = new Porter({ baseUrl: s.url, maxRetries: 0 });
});
afterAll(() => s.close());

async function issuesOf(call: Promise<unknown>): Promise<string[]> {
  const before = s.requests.length;
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  expect(s.requests.length).toBe(before);
  return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
}

const spec = (extra: Record<string, unknown>) => ({ image: "alpine", ...extra }) as SandboxSpec;

describe("sandbox spec rules, from the spec", () => {
  test.each([
    [
      { name: "My_Box" },
      "name: must be a DNS label: lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    ],
    [{ name: "-box" }, "name: must be a DNS label"],
    [{ name: "a".repeat(64) }, "name: must be at most 63 characters"],
    [{ image: "" }, "image: must not be empty unless snapshot_id is set"],
    [
      { tags: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
      "tags: must have at most 16 entries",
    ],
    [{ tags: { ["k".repeat(65)]: "v" } }, `tags.${"k".repeat(65)}: key must be at most 64 characters`],
    [{ tags: { "": "v" } }, 'tags[""]: key must not be empty'],
    [{ tags: { team: "v".repeat(513) } }, "tags.team: must be at most 512 characters"],
    [
      { tags: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`key-${i}`, "v".repeat(500)])) },
      "tags: must total at most 4096 bytes of keys and values (has 5050)",
    ],
    [{ tags: { team: 7 } }, "tags.team: must be a string"],
    [{ volume_mounts: { "mnt/data": "vol_1" } }, 'volume_mounts["mnt/data"]: key must be'],
    [{ args: ["ok", 3] }, "args[1]: must be a string"],
    [{ networking: [{ port: 80 }] }, "networking[0].port: must be at least 1024"],
    [{ networking: [{ port: 70000 }] }, "networking[0].port: must be at most 65535"],
    [{ networking: [{ port: 8080 }, { port: 8081 }] }, "networking: must have at most 1 item"],
    [{ ttl_seconds: 1.5 }, "ttl_seconds: must be a whole number"],
    [{ egress: {} }, "egress.allowed_destinations: is required"],
    [{ volumeMounts: {} }, "volumeMounts: is not a known field (did you mean volume_mounts?)"],
  ])("%j is refused before sending: %s", async (extra, message) => {
    const issues = await issuesOf(porter.sandboxes.create(spec(extra)));
    expect(issues.some((i) => i.startsWith(message))).toBe(true);
  });

  // Rules that neither Porter's published models and docs nor the seed documents state are not enforced:
  // the SDK must not refuse input the real API may accept.
  test.each([
    [{ volume_mounts: { "/mnt/data": "" } }],
    [{ command: [] }],
    [{ env: { "BAD NAME": "x" } }],
    [{ ttl_seconds: 0 }],
    [{ ttl_seconds: 30 * 86_400 }],
    [{ resources: { cpu: "two", memory: "1G" } }],
    [{ egress: { allowed_destinations: [""] } }],
    [{ env_groups: [""] }],
  ])("%j is sent as given (no such rule is Porter's)", async (extra) => {
    s.handle((req, res) =>
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
    const before = s.requests.length;
    await porter.sandboxes.create(spec(extra));
    const sent = s.requests[before]!.json as Record<string, unknown>;
    for (const [field, value] of Object.entries(extra)) expect(sent[field]).toEqual(value);
    s.handle((_req, res) => json(res, 500, { error: "no request should arrive" }));
  });

  test("a snapshot can stand in for the image, which is then sent empty", async () => {
    s.handle((req, res) =>
      req.method === "POST"
        ? json(res, 202, { id: "sbx_1", name: "sbx_1" })
        : json(res, 200, {
            id: "sbx_1",
            name: "sbx_1",
            image: "",
            phase: "queued",
            created_at: "2026-11-22T00:00:00Z",
            host: "",
          }),
    );
    const before = s.requests.length;
    await porter.sandboxes.create({ snapshot_id: "snap_1", command: ["sleep", "infinity"] });
    expect(s.requests[before]!.json).toMatchObject({
      image: "",
      snapshot_id: "snap_1",
      command: ["sleep", "infinity"],
    });
    s.handle((_req, res) => json(res, 500, { error: "no request should arrive" }));
  });

  test("a missing image and several faults are all reported at once", async () => {
    const issues = await issuesOf(porter.sandboxes.create({ name: "Bad" } as unknown as SandboxSpec));
    expect(issues).toEqual([
      "image: is required unless snapshot_id is set",
      expect.stringMatching(/^name: must be a DNS label/),
    ]);
  });

  test("the message names the input, the field and the rule, and never echoes a value", async () => {
    const err = await porter.sandboxes.create(spec({ tags: { ["k".repeat(65)]: "hunter2-password" } })).catch((e) => e);
    expect(err.message).toMatch(/^invalid sandbox spec: tags\.k+: key must be at most 64 characters/);
    expect(err.message).not.toContain("hunter2");
    expect(err.code).toBe("validation_error");
  });
});

describe("how the rules are worded", () => {
  test("a wrong type is named with its article: an object, an array, a string, a whole number", async () => {
    const issues = await issuesOf(
      porter.sandboxes.create(spec({ tags: "team=ml", command: "echo hi", args: [1], ttl_seconds: "60" })),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        "tags: must be an object",
        "command: must be an array",
        "args[0]: must be a string",
        "ttl_seconds: must be a whole number",
      ]),
    );
  });

  test("a camelCase field is pointed to its wire name only when that field exists", async () => {
    const issues = await issuesOf(porter.sandboxes.create(spec({ ttlSeconds: 60, fooBar: 1 })));
    expect(issues).toEqual(
      expect.arrayContaining([
        "ttlSeconds: is not a known field (did you mean ttl_seconds?)",
        "fooBar: is not a known field",
      ]),
    );
  });
});

describe("other inputs", () => {
  test("exec needs an argv of strings; logs limits come from the spec", async () => {
    s.handle((req, res) =>
      req.path === "/v1/sandbox/sbx_1"
        ? json(res, 200, {
            id: "sbx_1",
            name: "box",
            image: "alpine",
            phase: "running",
            created_at: "2026-11-22T00:00:00Z",
            host: "",
          })
        : json(res, 500, { error: "no request should arrive" }),
    );
    const box = await porter.sandboxes.get("sbx_1");
    expect(await issuesOf(box.exec("ls -la" as never))).toEqual(["command: must be an array"]);
    expect(await issuesOf(box.exec(["echo", 1] as never))).toEqual(["command[1]: must be a string"]);
    expect(await issuesOf(box.logs({ limit: -1 }))).toEqual(["limit: must be at least 0"]);
    expect(await issuesOf(box.logs({ limit: 1.5 }))).toEqual(["limit: must be a whole number"]);
  });

  test("list and logs parameters", async () => {
    expect(await issuesOf(porter.sandboxes.list({ page: 0 }))).toEqual(["page: must be at least 1"]);
    expect(await issuesOf(porter.sandboxes.list({ phase: ["running", "sleeping" as never] }))).toEqual([
      expect.stringMatching(/^phase\[1\]: must be one of "queued"/),
    ]);
  });

  // The caller wrote a map and one phase; the wire has `tag=key=value` each and a list of phases. A fault
  // is reported where the caller put it, never as the wire's `tag[0]` or `phase[0]`.
  test.each([
    ["list", (params: ListSandboxesParams) => porter.sandboxes.list(params)],
    ["count", (params: ListSandboxesParams) => porter.sandboxes.counts(params)],
  ])("%s filters are reported in the caller's words", async (kind, call) => {
    const error = await call({ tags: { "": "v" } }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`invalid ${kind} filters: tags[""]: key must not be empty`);
    // A key holding "=" would be split there by the API and filter on another tag: it was sent.
    expect(await issuesOf(call({ tags: { team: "ml", "a=b": "c" } }))).toEqual([
      'tags["a=b"]: key must be free of "="',
    ]);
    expect(await issuesOf(call({ tags: { team: 1 } as never }))).toEqual(["tags.team: must be a string"]);
    expect(await issuesOf(call({ tags: "team=ml" as never }))).toEqual(["tags: must be an object"]);
    expect(await issuesOf(call({ phase: "sleeping" as never, tags: { "": "v" } }))).toEqual([
      'tags[""]: key must not be empty',
      expect.stringMatching(/^phase: must be one of "queued"/),
    ]);
  });

  test.each([
    ["", "must not be empty"],
    ["My Box", 'must be a name or an id: letters, digits, "_", "." and "-", starting with a letter or digit'],
  ])("a sandbox or volume name or id %j is reported as one, not as a path parameter", async (nameOrId, rule) => {
    for (const call of [
      () => porter.sandboxes.get(nameOrId),
      () => porter.sandboxes.terminate(nameOrId),
      () => porter.snapshots.create(nameOrId),
    ]) {
      expect(await issuesOf(call())).toEqual([`: ${rule}`]);
      const error = await call().catch((e: unknown) => e);
      expect((error as Error).message).toBe(`invalid sandbox name or id: ${rule}`);
    }
    for (const call of [() => porter.volumes.get(nameOrId), () => porter.volumes.delete(nameOrId)]) {
      expect(await issuesOf(call())).toEqual([`: ${rule}`]);
      const error = await call().catch((e: unknown) => e);
      expect((error as Error).message).toBe(`invalid volume name or id: ${rule}`);
    }
    // The snapshot filter takes a sandbox's name or id, under the caller's name for it.
    expect(await issuesOf(porter.snapshots.list({ sandbox_id: nameOrId }))).toEqual([`sandbox_id: ${rule}`]);
  });

  test.each(["..", ".", "a/b", "sbx_1/../../v1/volume", "", "a?b=c"])(
    "an id like %j can never address another endpoint",
    async (id) => {
      const issues = await issuesOf(porter.sandboxes.get(id));
      expect(issues.join()).toMatch(/^: must (not be empty|be a name or an id)/);
    },
  );

  test("idempotency keys are checked against the spec too", async () => {
    expect(await issuesOf(porter.sandboxes.create(spec({}), { idempotencyKey: "" }))).toEqual([
      "Idempotency-Key: must not be empty",
    ]);
  });
});

// zod reading the same generated rules: an independent implementation of JSON Schema to agree with.
function zodSchema(name: string): z.ZodType {
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => !k.startsWith("x-"))
              .map(([k, x]) => [k, k === "$ref" ? `#/$defs/${x as string}` : strip(x)]),
          )
        : v;
  const defs = strip(schemas) as Record<string, object>;
  return z.fromJSONSchema({ ...defs[name], $defs: defs } as never);
}

describe("the SDK's validator agrees with zod on the spec's rules", () => {
  const text = fc.oneof(
    fc.constantFrom("", "a", "box-1", "-x", "Box", "/mnt/data", "mnt", "/a/../b", "2", "500m", "4Gi", "x".repeat(70)),
    fc.string({ maxLength: 8 }),
  );
  const value = fc.oneof(text, fc.integer({ min: -2, max: 70_000 }), fc.constant(1.5), fc.boolean(), fc.constant(null));
  const map = fc.dictionary(text, fc.oneof(text, value), { maxKeys: 4 });
  const sandboxSpec = fc.record(
    {
      image: fc.oneof(text, value),
      name: text,
      command: fc.array(fc.oneof(text, value), { maxLength: 3 }),
      args: fc.array(text, { maxLength: 2 }),
      env: map,
      tags: map,
      volume_mounts: map,
      networking: fc.array(fc.record({ port: fc.oneof(fc.integer({ min: 0, max: 70_000 }), text) }), { maxLength: 2 }),
      resources: fc.record({ cpu: text, memory: text }, { requiredKeys: [] }),
      ttl_seconds: value,
      unknownField: value,
    },
    { requiredKeys: [] },
  );

  test.each(["SandboxSpec", "ExecRequest", "VolumeSpec", "VolumeFileMoveRequest"])(
    "%s: accept and reject the same inputs",
    (name) => {
      const zod = zodSchema(name);
      const input =
        name === "SandboxSpec"
          ? sandboxSpec
          : fc.oneof(
              fc.record(
                { command: fc.array(fc.oneof(text, value), { maxLength: 3 }), name: text, from: text, to: text },
                { requiredKeys: [] },
              ),
              value,
            );
      fc.assert(
        fc.property(input, (v) => {
          const issues: { path: string; message: string }[] = [];
          check({ $ref: name }, v, "", issues);
          expect(issues.length === 0).toBe(zod.safeParse(v).success);
        }),
        { numRuns: 2_000 },
      );
    },
  );
});
