// Starts Prism (mock of the spec, or a validating proxy in front of a server) as a child process:
// a free port, polled until it answers, its output kept for the failure message, stopped by its own pid.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const spec = path.join(root, "openapi/porter-sandbox.yaml");
const cli = path.join(root, "node_modules/@stoplight/prism-cli/dist/index.js");

export interface Prism {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `mock`: answers from the spec's examples (a redirect with the Location of its example, however far
 * off loopback that is). `proxy`: forwards to `upstream` and reports violations in both directions in the
 * `sl-violations` header (422 for a request that breaks the spec); it follows an upstream redirect itself
 * (node-fetch's default), body included, so a 3xx from upstream never reaches the client. */
export async function startPrism(mode: "mock" | "proxy", upstream?: string): Promise<Prism> {
  const port = await freePort();
  const args = mode === "mock" ? ["mock", spec] : ["proxy", spec, upstream!];
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, ...args, "--port", String(port), "--host", "127.0.0.1", "--errors"],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`Prism exited (${code}) before answering:\n${output}`))),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await Promise.race([
      fetch(`${url}/healthz`).then(
        () => true,
        () => false,
      ),
      exited,
    ]);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Prism did not answer within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  exited.catch(() => {});
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
