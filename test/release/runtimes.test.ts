// The runtime matrix: the BUILT package (dist/, reached through its own `exports`) creates a sandbox,
// runs a command, reads the logs and terminates it, on Node 20 (this process), Node 24, Bun and Deno,
// as ESM and as CommonJS, against a local server started here. The runtimes are pinned and installed
// from the npm registry by scripts/runtimes.mjs. Then the main entry, bundled for the browser, runs in a
// context with web globals only (no process, Buffer or require), as in an edge worker.
import path from "node:path";
import vm from "node:vm";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Porter } from "../../src/index.js";
import { startLocalServer, type LocalServer } from "../../src/local/index.js";
import { builtPackage, lastJsonLine, pkg, root, run } from "./helpers.js";

const fixtures = path.join(root, "test/fixtures/runtimes");

let server: LocalServer;
let porter: Porter;
const bins: Record<string, string> = {};

beforeAll(async () => {
  // Installs the pinned runtimes on first use (about 20 s), then checks each reports its version.
  const installed = await run(process.execPath, [path.join(root, "scripts/runtimes.mjs")], { timeoutMs: 240_000 });
  expect(installed.status, installed.output).toBe(0);
  for (const line of installed.stdout.trim().split("\n")) {
    const [name, , bin] = line.split(" ");
    if (name && bin) bins[name] = bin;
  }
  await builtPackage();
  server = await startLocalServer({ quiet: true, startDelayMs: 5 });
  porter = new Porter({ baseUrl: server.url, maxRetries: 0 });
}, 300_000);

afterAll(async () => {
  porter?.close();
  await server?.close();
});

interface SmokeResult {
  module: "esm" | "cjs";
  runtime: string;
  runtimeVersion: string;
  VERSION: string;
  id: string;
  phase: string;
  exec: { stdout: string; stderr: string; exit_code: number };
  logs: string[];
}

type Runtime = "node20" | "node24" | "bun" | "deno";
const matrix: { label: Runtime; runtime: string; version: () => string; command: () => [string, string[]] }[] = [
  { label: "node20", runtime: "node", version: () => process.versions.node, command: () => [process.execPath, []] },
  { label: "node24", runtime: "node", version: () => "24.9.0", command: () => [bins.node!, []] },
  { label: "bun", runtime: "bun", version: () => "1.4.5", command: () => [bins.bun!, []] },
  {
    label: "deno",
    runtime: "deno",
    version: () => "2.9.6",
    // The permissions a Deno user would grant: the API's host, the variables the script reads, and
    // reading the package. No lock file is written into the repository.
    command: () => [
      bins.deno!,
      [
        "run",
        "--no-lock",
        "--no-prompt",
        "--allow-net=127.0.0.1",
        "--allow-env=PORTER_SANDBOX_BASE_URL,SMOKE_TOKEN",
        `--allow-read=${root}`,
      ],
    ],
  },
];

describe("runtime matrix: the built package's smoke test", () => {
  test("this process is Node 20, the oldest Node the package supports (engines: >=20)", () => {
    expect(process.versions.node).toMatch(/^20\./);
    expect(pkg.name).toBe("porter-sandbox");
  });

  let n = 0;
  for (const row of matrix) {
    for (const module of ["esm", "cjs"] as const) {
      test(`${row.label}, ${module}: create, exec, logs, terminate`, async () => {
        const token = `${row.label}-${module}-${++n}-${Date.now()}`;
        const [cmd, args] = row.command();
        const result = await run(cmd, [...args, path.join(fixtures, module === "esm" ? "smoke.mjs" : "smoke.cjs")], {
          env: { PORTER_SANDBOX_BASE_URL: server.url, SMOKE_TOKEN: token },
          timeoutMs: 60_000,
        });
        expect(result.status, result.output).toBe(0);
        const out = lastJsonLine<SmokeResult>(result);
        // The runtime that ran it is the one this row names, at its pinned version.
        expect({ module: out.module, runtime: out.runtime, version: out.runtimeVersion }).toEqual({
          module,
          runtime: row.runtime,
          version: row.version(),
        });
        expect(out.VERSION).toBe(pkg.version);
        // The command really ran on the server, with its output, error stream and exit code.
        expect(out.exec).toEqual({ stdout: `hello ${token}\n`, stderr: "to-stderr\n", exit_code: 3 });
        expect(out.logs).toEqual(expect.arrayContaining([`hello ${token}`, "to-stderr"]));
        expect(out.phase).toBe("terminated");
        // And the server agrees: that sandbox exists and has ended.
        const seen = await porter.sandboxes.get(out.id);
        expect(seen.phase).toBe("terminated");
        expect(seen.name).toContain(token);
      }, 90_000);
    }
  }
});

describe("edge: the main entry in a context with web globals only", () => {
  // What a browser or edge worker offers; deliberately no process, Buffer, require, global,
  // setImmediate, module or __dirname.
  const webGlobals = () => ({
    Request,
    Response,
    Headers,
    URL,
    URLSearchParams,
    AbortController,
    AbortSignal,
    TextEncoder,
    TextDecoder,
    crypto,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    queueMicrotask,
    structuredClone,
    atob,
    btoa,
    ReadableStream,
    WritableStream,
    TransformStream,
    Blob,
    FormData,
    DOMException,
    Event,
    EventTarget,
    console,
  });

  async function bundle(): Promise<string> {
    await builtPackage();
    const result = await build({
      entryPoints: [path.join(root, "dist/index.js")],
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "PorterSandbox",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    return result.outputFiles[0]!.text;
  }

  test("loads without Node globals, then creates, execs and terminates through the fetch it is given", async () => {
    const calls: string[] = [];
    const context = vm.createContext({
      ...webGlobals(),
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        calls.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
      BASE_URL: server.url,
    });
    vm.runInContext(await bundle(), context, { filename: "porter-sandbox.browser.js" });
    const absent = vm.runInContext(
      "['process', 'Buffer', 'require', 'global', 'setImmediate', 'module', '__dirname'].filter((name) => typeof globalThis[name] !== 'undefined')",
      context,
    ) as string[];
    expect([...absent]).toEqual([]);
    expect(vm.runInContext("Object.keys(PorterSandbox).includes('Porter') && PorterSandbox.VERSION", context)).toBe(
      pkg.version,
    );

    const out = JSON.parse(
      await vm.runInContext(
        `(async () => {
          const porter = new PorterSandbox.Porter({ baseUrl: BASE_URL, maxRetries: 0 });
          const sandbox = await porter.sandboxes.create({ image: "alpine:3.20", command: ["sleep", "infinity"], ttl_seconds: 60 });
          await sandbox.waitUntilRunning();
          const exec = await sandbox.exec(["sh", "-c", "echo from-the-edge; exit 5"]);
          await sandbox.terminate();
          let missing;
          try { await porter.sandboxes.get("sbx_00000000000000000000000000"); } catch (error) {
            missing = { name: error.name, code: error.code, typed: error instanceof PorterSandbox.NotFoundError };
          }
          porter.close();
          return JSON.stringify({ id: sandbox.id, exec, phase: sandbox.phase, missing });
        })()`,
        context,
      ),
    ) as { id: string; exec: unknown; phase: string; missing: unknown };
    expect(out.exec).toEqual({ stdout: "from-the-edge\n", stderr: "", exit_code: 5 });
    expect(out.phase).toBe("terminated");
    expect(out.missing).toEqual({ name: "NotFoundError", code: "not_found", typed: true });
    // Every request went through the context's fetch, none through anything of Node's.
    expect(calls).toEqual(
      expect.arrayContaining([
        "POST /v1/sandbox/run",
        `POST /v1/sandbox/${out.id}/exec`,
        `DELETE /v1/sandbox/${out.id}`,
      ]),
    );
    expect((await porter.sandboxes.get(out.id)).phase).toBe("terminated");
  });

  test("negative control: the same context without fetch refuses to construct a client, naming fetch", async () => {
    // Proves the harness can fail: with no fetch in the context, the client has nothing to send with.
    const context = vm.createContext({ ...webGlobals(), BASE_URL: server.url });
    vm.runInContext(await bundle(), context);
    const message = vm.runInContext(
      "(() => { try { new PorterSandbox.Porter({ baseUrl: BASE_URL }); return 'constructed'; } catch (error) { return error.message; } })()",
      context,
    ) as string;
    expect(message).toMatch(/fetch/);
  });
});
