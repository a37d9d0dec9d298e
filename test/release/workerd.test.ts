// Edge for real: the built package, bundled as a Cloudflare Workers project bundles it (esbuild, platform
// neutral, format esm, the Workers conditions), runs the seed's flow (create, exec, logs, terminate)
// inside workerd, Cloudflare's runtime, started through miniflare, against a local server started here.
// The worker has no `nodejs_compat` flag: it sees web APIs only, as a deployed worker does by default.
import path from "node:path";
import { build, type Metafile } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Porter } from "../../src/index.js";
import { startLocalServer, type LocalServer } from "../../src/local/index.js";
import { builtPackage, pkg, root } from "./helpers.js";

/** A date the pinned workerd supports (it refuses dates after its own release). */
const COMPATIBILITY_DATE = "2026-04-01";

let server: LocalServer;
let porter: Porter;
let bundled: { code: string; inputs: string[] };

/** The worker fixture bundled the way wrangler bundles a worker; `porter-sandbox` resolves through the
 * package's own `exports` to the built dist/, as it would from node_modules. */
async function bundleWorker(): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [path.join(root, "test/fixtures/runtimes/worker.mjs")],
    absWorkingDir: root,
    bundle: true,
    platform: "neutral",
    format: "esm",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys((result.metafile as Metafile).inputs) };
}

/** Runs `script` (an ES module worker) in workerd and sends it one request. */
async function inWorkerd(script: string, url: string): Promise<{ status: number; body: string }> {
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { PORTER_SANDBOX_BASE_URL: server.url },
  });
  try {
    const response = await mf.dispatchFetch(url);
    return { status: response.status, body: await response.text() };
  } finally {
    await mf.dispose();
  }
}

beforeAll(async () => {
  await builtPackage();
  server = await startLocalServer({ quiet: true, startDelayMs: 5 });
  porter = new Porter({ baseUrl: server.url, maxRetries: 0 });
  bundled = await bundleWorker();
}, 60_000);

afterAll(async () => {
  porter?.close();
  await server?.close();
});

interface WorkerResult {
  userAgent: string;
  nodeGlobals: string[];
  VERSION: string;
  id: string;
  phase: string;
  exec: { stdout: string; stderr: string; exit_code: number };
  logs: string[];
  missing: { name: string; code: string; typed: boolean };
}

describe("workerd (Cloudflare Workers) through miniflare", () => {
  test("the bundle is the built package: porter-sandbox resolved to dist/index.js, no source, nothing of node:", () => {
    expect(bundled.inputs).toContain("dist/index.js");
    expect(bundled.inputs.filter((input) => input.startsWith("src/") || input.startsWith("node:"))).toEqual([]);
  });

  test("the seed's flow in a worker: create, exec, logs, terminate, and a typed NotFoundError", async () => {
    const token = `workerd-${Date.now()}`;
    const { status, body } = await inWorkerd(bundled.code, `http://worker.test/?token=${token}`);
    expect(status, body).toBe(200);
    const out = JSON.parse(body) as WorkerResult;
    // It ran in workerd, which offers no Node globals to a worker without nodejs_compat.
    expect(out.userAgent).toBe("Cloudflare-Workers");
    expect(out.nodeGlobals).toEqual([]);
    expect(out.VERSION).toBe(pkg.version);
    // The command really ran on the server, with its output, error stream and exit code.
    expect(out.exec).toEqual({ stdout: `${token}\n`, stderr: "to-stderr\n", exit_code: 3 });
    expect(out.logs).toEqual(expect.arrayContaining([token, "to-stderr"]));
    expect(out.phase).toBe("terminated");
    expect(out.missing).toEqual({ name: "NotFoundError", code: "not_found", typed: true });
    // And the server agrees: the worker's sandbox exists, under its name, and has ended.
    const seen = await porter.sandboxes.get(out.id);
    expect([seen.name, seen.phase, seen.tags?.["runtime"]]).toEqual([`edge-${token}`, "terminated", "workerd"]);
  }, 30_000);

  test("negative control: code that reads a Node global fails in this worker, so the flow above used none", async () => {
    const script = `export default { fetch() {
      try { return new Response(String(process.env.PORTER_SANDBOX_BASE_URL)); }
      catch (error) { return new Response(error.name + ": " + error.message, { status: 500 }); }
    } };`;
    expect(await inWorkerd(script, "http://worker.test/")).toEqual({
      status: 500,
      body: "ReferenceError: process is not defined",
    });
  }, 30_000);
});
