/// <reference types="node" />
// porter-sandbox/local: a stateful implementation of the Porter Sandbox API on this machine, for
// offline development, the demo and end-to-end tests. Node only; the main entry never imports it.
// Commands run on the host, as the current user, without any isolation.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { exposureWarning, WARNING } from "./banner.js";
import { endAll } from "./lifecycle.js";
import { resolveOptions, type LocalServerOptions } from "./options.js";
import { requestListener } from "./server.js";
import { createStateDir } from "./state-dir.js";
import { Store } from "./store.js";
import { Sampler } from "./usage.js";

export type { FaultOptions, LocalServerOptions } from "./options.js";

/**
 * A running local server, as `startLocalServer` returns it. Close it (or declare it with `await using`)
 * to stop it, kill the processes its sandboxes started and remove its state.
 *
 * @example
 * ```ts
 * const server = await startLocalServer({ quiet: true });
 * const porter = new Porter({ baseUrl: server.url });
 * try {
 *   const sandbox = await porter.sandboxes.create({ image: "alpine:3.20", command: ["sleep", "infinity"] });
 *   await sandbox.waitUntilRunning();
 *   console.log((await sandbox.exec(["echo", "hi"])).stdout); // "hi\n"
 * } finally {
 *   porter.close();
 *   await server.close();
 * }
 * ```
 */
export interface LocalServer {
  /** The base URL to point the SDK at, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** The environment variables that point the SDK at this server. */
  env: { PORTER_SANDBOX_BASE_URL: string };
  /** The directory holding all state; removed on close. */
  stateDir: string;
  /** Stops the server, kills every process its sandboxes started, and removes the state directory. */
  close(): Promise<void>;
  /** `await using server = await startLocalServer()` closes the server at scope exit, as `close()` does. */
  [Symbol.asyncDispose](): Promise<void>;
}

function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Starts the local server: a stateful implementation of the Porter Sandbox API on this machine, for
 * offline development and tests. Binds to 127.0.0.1 on a free port unless told otherwise. Commands run
 * on the host, as the current user, without isolation.
 *
 * @example
 * ```ts
 * await using server = await startLocalServer({ port: 0 });
 * await using porter = new Porter({ baseUrl: server.url });
 * await using sandbox = await porter.sandboxes.create({ image: "alpine:3.20", command: ["sleep", "infinity"] });
 * await sandbox.waitUntilRunning();
 * const { stdout } = await sandbox.exec(["uname", "-s"]);
 * ```
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const resolved = resolveOptions(options);
  const dirs = await createStateDir(options.stateDir);
  const store = new Store(dirs, resolved);
  const server = createServer(requestListener(store));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(resolved.port, resolved.host, () => resolve());
    });
  } catch (error) {
    await rm(dirs.root, { recursive: true, force: true });
    throw error;
  }
  const sampler = new Sampler(store);
  sampler.start();
  // Should the process exit without close(), no sandbox process is left running and no state is left behind.
  const onExit = () => {
    endAll(store);
    rmSync(dirs.root, { recursive: true, force: true });
  };
  process.on("exit", onExit);
  const url = `http://${urlHost(resolved.host)}:${(server.address() as AddressInfo).port}`;
  if (!resolved.quiet) {
    const exposed = exposureWarning(resolved.host);
    process.stderr.write(`porter-sandbox-local: listening on ${url}\nporter-sandbox-local: WARNING: ${WARNING}.\n`);
    if (exposed) process.stderr.write(`porter-sandbox-local: WARNING: ${exposed}.\n`);
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      process.off("exit", onExit);
      sampler.stop();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      endAll(store);
      await stopped;
      await Promise.all(store.pending);
      await rm(dirs.root, { recursive: true, force: true, maxRetries: 3 });
    })());
  return { url, env: { PORTER_SANDBOX_BASE_URL: url }, stateDir: dirs.root, close, [Symbol.asyncDispose]: close };
}
