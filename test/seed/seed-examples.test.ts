// Every code example of the seed reference page (seed-reference.txt, a verbatim copy of the project's
// seed 000), copied verbatim, one block each,
// type-checked (tsc over the test tree) and run against the local server. Only the lines around each
// block are ours: a fresh server per example, since sandbox names can never be reused.
import { IDEMPOTENCY_TAG, Porter } from "porter-sandbox";
import { startLocalServer, type LocalServer } from "porter-sandbox/local";
import { afterEach, beforeEach, expect, test, vi } from "vitest";

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer({ quiet: true });
  vi.stubEnv("PORTER_SANDBOX_BASE_URL", server.url);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
});

test("Porter: construct, create, close", async () => {
  // --- seed ---
  const porter = new Porter();
  const sandbox = await porter.sandboxes.create({
    image: "python:3.12-slim",
    name: "my-sandbox",
  });
  // --- seed ---
  porter.close();
  // --- end ---
  expect(sandbox.name).toBe("my-sandbox");
  expect(sandbox.phase).not.toBeNull();
  await expect(porter.sandboxes.get("my-sandbox")).rejects.toThrow(/client is closed/);
});

test("sandboxes.create with every option", async () => {
  const porter = new Porter();
  // --- seed ---
  const sandbox = await porter.sandboxes.create({
    image: "python:3.12-slim",
    name: "my-sandbox",
    command: undefined,
    args: undefined,
    env: undefined,
    tags: { workflow: "demo" },
    volume_mounts: undefined,
  });
  // --- end ---
  // The API's record keeps every tag it holds: the caller's, and the one carrying the create's idempotency key.
  const key = sandbox.lastResponse?.idempotencyKey;
  expect([sandbox.name, sandbox.image, sandbox.tags]).toEqual(["my-sandbox", "python:3.12-slim", { workflow: "demo", [IDEMPOTENCY_TAG]: key }]);
  porter.close();
});

test("sandboxes.get and sandboxes.list", async () => {
  const porter = new Porter();
  const created = await porter.sandboxes.create({ image: "python:3.12-slim", name: "my-sandbox", tags: { workflow: "demo" } });
  {
    // --- seed ---
    const sandbox = await porter.sandboxes.get("my-sandbox");
    // --- end ---
    expect(sandbox.id).toBe(created.id);
  }
  // --- seed ---
  const sandboxes = await porter.sandboxes.list({
    tags: { workflow: "demo" },
    page: 1,
  });
  // --- end ---
  expect(sandboxes.map((s) => s.id)).toEqual([created.id]);
  porter.close();
});

test("Sandbox handle: refresh, exec, logs, terminate", async () => {
  const porter = new Porter();
  const sandbox = await porter.sandboxes.create({ image: "python:3.12-slim", name: "my-sandbox", command: ["sleep", "60"] });
  await sandbox.waitUntilRunning();
  // --- seed ---
  const status = await sandbox.refresh();
  const result = await sandbox.exec(["python", "-c", "print('hi')"]);
  const logs = await sandbox.logs({ limit: 100 });
  await sandbox.terminate();
  // --- end ---
  expect(status.phase).toBe("running");
  expect(result).toMatchObject({ stdout: "hi\n", exit_code: 0 });
  expect(logs.map((l) => l.line)).toContain("hi");
  expect(sandbox.phase).toBe("terminated");
  porter.close();
});

test("Volumes: create one and mount it", async () => {
  const porter = new Porter();
  // --- seed ---
  const volume = await porter.volumes.create({ name: "my-data" });

  const sandbox = await porter.sandboxes.create({
    image: "python:3.12-slim",
    volume_mounts: { "/mnt/data": volume.id },
  });
  // --- end ---
  expect(sandbox.volume_mounts).toEqual({ "/mnt/data": volume.id });
  expect((await porter.volumes.get("my-data")).attached_to).toEqual([sandbox.id]);
  expect((await porter.volumes.list()).map((v) => v.name)).toEqual(["my-data"]);
  await sandbox.terminate();
  await porter.volumes.delete("my-data");
  expect(await porter.volumes.list()).toEqual([]);
  porter.close();
});

test("Low-level client", async () => {
  const porter = new Porter();
  // --- seed ---
  const rawClient = porter.raw;
  const rawSandboxes = porter.sandboxes.raw;
  // --- end ---
  expect(rawSandboxes).toBe(rawClient);
  const { data } = await rawClient.GET("/healthz");
  expect(data).toEqual({ status: "ok" });
  porter.close();
});

test("the blocks above are the seed's, verbatim", async () => {
  const { readFileSync } = await import("node:fs");
  const seed = readFileSync(new URL("./seed-reference.txt", import.meta.url), "utf8");
  const fromSeed = [...seed.matchAll(/```typescript[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
  const self = readFileSync(new URL(import.meta.url), "utf8");
  const blocks = [...self.matchAll(/\/\/ --- seed ---\n([\s\S]*?)(?=\n\s*\/\/ --- (?:end|seed) ---)/g)].map((m) =>
    m[1]!.split("\n").map((l) => l.trim()).join("\n").trim(),
  );
  const norm = (text: string) => text.split("\n").map((l) => l.trim()).join("\n");
  // Every seed example (but the import line, which heads this file) appears here line for line.
  const ours = blocks.join("\n");
  for (const example of fromSeed.filter((e) => !e.startsWith("import"))) {
    expect(ours).toContain(norm(example));
  }
  expect(self).toContain('import { Porter } from "porter-sandbox";');
});
