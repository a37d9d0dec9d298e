// The examples in examples/ run as users run them (`node examples/<name>.mjs`, importing the built
// package by its name) against a local server started here, and print what they claim; afterwards the
// server holds nothing they left running. One also runs standalone (it starts its own local server).
// cleanup-await-using.ts runs natively on Node 24 (type stripping, `await using`) and, compiled by
// esbuild (which lowers `await using`), on Node 20.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { transform } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Porter } from "../../src/index.js";
import { startLocalServer, type LocalServer } from "../../src/local/index.js";
import { builtPackage, root, run, type RunResult } from "./helpers.js";

let server: LocalServer;
let porter: Porter;
let compiledDir: string;

beforeAll(async () => {
  await builtPackage();
  server = await startLocalServer({ quiet: true, startDelayMs: 5 });
  porter = new Porter({ baseUrl: server.url, maxRetries: 0 });
  // Under the repository, so that the compiled example resolves "porter-sandbox" as the source does.
  mkdirSync(path.join(root, ".tmp"), { recursive: true });
  compiledDir = mkdtempSync(path.join(root, ".tmp", "examples-"));
}, 120_000);

afterAll(async () => {
  porter?.close();
  await server?.close();
  if (compiledDir) rmSync(compiledDir, { recursive: true, force: true });
});

const example = (file: string, options: { standalone?: boolean; node?: string } = {}) =>
  run(options.node ?? process.execPath, [file.startsWith("/") ? file : path.join(root, "examples", file)], {
    // Pointed at this test's server, unless standalone: then no API is configured and the example
    // starts its own local server.
    env: options.standalone
      ? { PORTER_SANDBOX_BASE_URL: undefined, PORTER_CLUSTER_ID: undefined }
      : { PORTER_SANDBOX_BASE_URL: server.url, PORTER_CLUSTER_ID: undefined },
    timeoutMs: 90_000,
  });

function succeeded(r: RunResult): string[] {
  expect(r.status, r.output).toBe(0);
  expect(r.stderr, r.output).toBe("");
  return r.stdout.trim().split("\n");
}

/** Nothing the example made is still alive on the server: no live sandbox, no volume. */
async function nothingLeftRunning(): Promise<void> {
  const live = await porter.sandboxes.list();
  expect(live.map((s) => `${s.name} ${s.phase}`)).toEqual([]);
  expect((await porter.volumes.list()).map((v) => v.name)).toEqual([]);
}

describe("examples", () => {
  test("volumes-and-files.mjs: writes, mounts, lists, searches, reads a range, streams, moves, cleans up", async () => {
    const lines = succeeded(await example("volumes-and-files.mjs"));
    expect(lines).toEqual([
      expect.stringMatching(/^volume example-data-[a-z0-9]+ is ready$/),
      expect.stringMatching(/^exec in sbx_\w+ exited 0$/),
      "written by the sandbox: HELLO FROM THE SDK",
      "listdir notes: hello.txt (19 B), shout.txt (19 B)",
      "iterdir: /blobs/ /blobs/data.bin /notes/ /notes/hello.txt /notes/shout.txt",
      'search "SHOUT" in notes: shout.txt',
      "first 5 bytes as text: hello",
      // 10 000 bytes of i % 256: three 4096-byte chunks at most, and the bytes add up.
      `streamed blobs/data.bin: 10000 bytes in 3 chunks, byte sum ${Array.from({ length: 10_000 }, (_, i) => i % 256).reduce((a, b) => a + b)}`,
      "moving onto an existing file: ConflictError (conflict)",
      "notes after the moves: archived.txt, hello.txt, shout.txt",
      "cleaned up: sandbox terminated, volume deleted",
    ]);
    await nothingLeftRunning();
  });

  test("fan-out.mjs: 8 jobs through Promise.all, never more than 3 sandboxes at once, all terminated", async () => {
    const lines = succeeded(await example("fan-out.mjs"));
    const jobs = lines.filter((l) => l.startsWith("job "));
    expect(jobs).toEqual(
      Array.from({ length: 8 }, (_, n) =>
        expect.stringMatching(new RegExp(`^job ${n}: ${n}\\^2 = ${n * n} \\(sandbox sbx_\\w+\\)$`)),
      ),
    );
    const summary = /^8 jobs, at most (\d) sandboxes at once \(limit 3\), \d+ ms$/.exec(lines.at(-2) ?? "");
    expect(summary, lines.join("\n")).not.toBeNull();
    // The limit held, and the work really overlapped.
    expect(Number(summary![1])).toBeLessThanOrEqual(3);
    expect(Number(summary![1])).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/^live sandboxes left in batch fan-out-[a-z0-9]+: 0$/);
    // Eight distinct sandboxes did the work.
    expect(new Set(jobs.map((l) => /sbx_\w+/.exec(l)![0])).size).toBe(8);
    await nothingLeftRunning();
  });

  test("raw-call.mjs: snapshots through porter.raw: create, poll, a 404 as a value, delete", async () => {
    const lines = succeeded(await example("raw-call.mjs"));
    expect(lines).toEqual([
      expect.stringMatching(/^snapshot snap_\w+ \(filesystem\) is (pending|ready), status 2\d\d$/),
      expect.stringMatching(/^snapshot snap_\w+ is ready$/),
      "an unknown snapshot: 404 with a message",
      expect.stringMatching(/^deleted: 204; snapshots of sbx_\w+ left: 0$/),
    ]);
    await nothingLeftRunning();
  });

  test("raw-call.mjs standalone: with no API configured it starts its own local server", async () => {
    const lines = succeeded(await example("raw-call.mjs", { standalone: true }));
    expect(lines.at(-1)).toMatch(/^deleted: 204; snapshots of sbx_\w+ left: 0$/);
    // It used its own server: this test's server never saw its sandbox.
    const id = /sbx_\w+/.exec(lines.at(-1)!)![0];
    await expect(porter.sandboxes.get(id)).rejects.toMatchObject({ code: "not_found" });
  });

  const checkAwaitUsing = async (r: RunResult) => {
    const lines = succeeded(r);
    expect(lines).toEqual([
      "words: 5",
      expect.stringMatching(/^caught: the job in sbx_\w+ failed$/),
      expect.stringMatching(/^sbx_\w+: terminated$/),
      expect.stringMatching(/^sbx_\w+: terminated$/),
    ]);
    // The sandbox whose job threw is among those terminated at scope exit.
    const failed = /sbx_\w+/.exec(lines[1]!)![0];
    expect(lines.slice(2).some((l) => l.startsWith(failed))).toBe(true);
    for (const line of lines.slice(2))
      expect((await porter.sandboxes.get(line.split(":")[0]!)).phase).toBe("terminated");
    await nothingLeftRunning();
  };

  test("cleanup-await-using.ts on Node 24: types stripped, `await using` native; every sandbox terminated at scope exit", async () => {
    const installed = await run(process.execPath, [path.join(root, "scripts/runtimes.mjs")], { timeoutMs: 240_000 });
    expect(installed.status, installed.output).toBe(0);
    const node24 = /^node \S+ (\S+)$/m.exec(installed.stdout)![1]!;
    await checkAwaitUsing(await example("cleanup-await-using.ts", { node: node24 }));
  }, 300_000);

  test("cleanup-await-using.ts on Node 20, compiled by esbuild (which lowers `await using`)", async () => {
    const source = readFileSync(path.join(root, "examples/cleanup-await-using.ts"), "utf8");
    // Node 20 cannot parse `await using` itself: the proof that this run needs the compile.
    const native = await run(process.execPath, ["--input-type=module", "-e", "await using x = null;"]);
    expect(native.status).not.toBe(0);
    expect(native.stderr).toMatch(/SyntaxError/);
    const { code } = await transform(source, {
      loader: "ts",
      format: "esm",
      target: "node20",
      sourcefile: "cleanup-await-using.ts",
    });
    expect(code).not.toMatch(/\bawait using\b/);
    const compiled = path.join(compiledDir, "cleanup-await-using.mjs");
    writeFileSync(compiled, code);
    await checkAwaitUsing(await example(compiled));
  });
});
