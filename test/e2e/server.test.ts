// The server itself: loopback by default, one state directory removed on close with every process
// killed, options checked, and the CLI that prints how to point the SDK at it.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it, vi } from "vitest";
import { Porter } from "../../src/index.js";
import { exposureWarning } from "../../src/local/banner.js";
import { startLocalServer } from "../../src/local/index.js";
import { eventually } from "./harness.js";

const root = path.resolve(import.meta.dirname, "../..");
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
};

describe("the local server", () => {
  it("binds to loopback on a free port, and close() kills every process and removes all state", async () => {
    const server = await startLocalServer({ quiet: true, startDelayMs: 1 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.env).toEqual({ PORTER_SANDBOX_BASE_URL: server.url });
    const porter = new Porter({ baseUrl: server.url });
    const s = await porter.sandboxes.create({
      image: "alpine",
      command: ["sh", "-c", "sleep 300 & echo $! > pid; wait"],
    });
    await s.waitUntilRunning();
    const pid = Number(await eventually(async () => (await s.exec(["cat", "pid"])).stdout.trim() || undefined));
    const volume = await porter.volumes.create();
    expect(existsSync(server.stateDir)).toBe(true);
    expect(alive(pid)).toBe(true);
    porter.close();
    await server.close();
    await server.close(); // twice is fine
    expect(existsSync(server.stateDir)).toBe(false);
    await eventually(async () => (alive(pid) ? undefined : true));
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    expect(volume.id).toMatch(/^vol_/);
  });

  it("leaves no process and no state behind when its process exits without close()", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "porter-local-exit-"));
    try {
      const script = path.join(out, "exit.mjs");
      const contents = `
        import { startLocalServer } from "./src/local/index.ts";
        const server = await startLocalServer({ quiet: true, startDelayMs: 1 });
        const post = (p, body) => fetch(server.url + p, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
        const { id } = await post("/v1/sandbox/run", { image: "alpine" });
        while ((await (await fetch(server.url + "/v1/sandbox/" + id)).json()).phase !== "running") await new Promise((r) => setTimeout(r, 5));
        const { stdout } = await post("/v1/sandbox/" + id + "/exec", { command: ["sh", "-c", "sleep 300 > /dev/null 2>&1 & echo $!"] });
        console.log(JSON.stringify({ stateDir: server.stateDir, pid: Number(stdout.trim()) }));
        process.exit(0);`;
      await build({
        stdin: { contents, resolveDir: root, loader: "ts" },
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: script,
        logLevel: "silent",
      });
      const child = spawn(process.execPath, [script], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(0);
      const { stateDir, pid } = JSON.parse(text) as { stateDir: string; pid: number };
      expect(pid).toBeGreaterThan(0);
      expect(existsSync(stateDir)).toBe(false);
      await eventually(async () => (alive(pid) ? undefined : true));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("uses a given state dir when it is new or empty, and refuses one that holds anything", async () => {
    const base = mkdtempSync(path.join(tmpdir(), "porter-local-test-"));
    try {
      const fresh = path.join(base, "new", "state");
      const a = await startLocalServer({ quiet: true, stateDir: fresh });
      expect(a.stateDir).toBe(fresh);
      await a.close();
      expect(existsSync(fresh)).toBe(false);
      const full = path.join(base, "full");
      mkdirSync(full);
      writeFileSync(path.join(full, "keep.txt"), "mine");
      await expect(startLocalServer({ quiet: true, stateDir: full })).rejects.toThrow(
        /must not exist or be an empty directory/,
      );
      expect(readFileSync(path.join(full, "keep.txt"), "utf8")).toBe("mine");
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it("says at start-up that commands run without isolation, and warns when not on loopback", async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      const server = await startLocalServer();
      await server.close();
      expect(written.join("")).toBe(
        `porter-sandbox-local: listening on ${server.url}\n` +
          "porter-sandbox-local: WARNING: sandbox commands run directly on this host, as your user, without any isolation.\n",
      );
    } finally {
      spy.mockRestore();
    }
    expect(exposureWarning("127.0.0.1")).toBeUndefined();
    expect(exposureWarning("::1")).toBeUndefined();
    expect(exposureWarning("0.0.0.0")).toMatch(/anyone who can reach this port can run commands/);
  });

  it("checks its options", async () => {
    await expect(startLocalServer({ port: -1 })).rejects.toThrow(/port/);
    await expect(startLocalServer({ pageSize: 0 })).rejects.toThrow(/pageSize/);
    await expect(startLocalServer({ faults: { statusRates: { 503: 2 } } })).rejects.toThrow(/between 0 and 1/);
    await expect(startLocalServer({ faults: { statusRates: { 200: 0.5 } } })).rejects.toThrow(/HTTP error status/);
  });

  it("the CLI prints the variables to export and the warning, serves, and cleans up on SIGTERM", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "porter-local-cli-"));
    try {
      const cli = path.join(out, "cli.mjs");
      await build({
        entryPoints: [path.join(root, "src/local/cli.ts")],
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: cli,
        logLevel: "silent",
        absWorkingDir: root,
      });
      const child = spawn(process.execPath, [cli, "--token", "t0k"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      let errors = "";
      child.stdout.on("data", (d) => (text += d));
      child.stderr.on("data", (d) => (errors += d));
      // The last line printed: everything before it has arrived, whatever the pipe's chunking.
      const url = await eventually(
        async () => (text.includes("Ctrl-C to stop.") ? /PORTER_SANDBOX_BASE_URL=(\S+)/.exec(text)?.[1] : undefined),
        15_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; CLI said: ${text}${errors}`);
      });
      expect(text).toContain(
        "WARNING: sandbox commands run directly on this host, as your user, without any isolation.",
      );
      expect(text).toContain("export PORTER_SANDBOX_API_KEY=t0k");
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const stateDir = /State: (\S+)/.exec(text)![1]!;
      expect((await fetch(`${url}/healthz`)).status).toBe(401);
      expect((await fetch(`${url}/healthz`, { headers: { authorization: "Bearer t0k" } })).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(existsSync(stateDir)).toBe(false);
      const bad = spawn(process.execPath, [cli, "--port", "http"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      bad.stderr.on("data", (d) => (err += d));
      expect(await new Promise((resolve) => bad.once("exit", resolve))).toBe(2);
      expect(err).toContain("--port must be a port number");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
