// Starts the local server for a test file and a Porter client pointed at it.
import { afterAll, beforeAll } from "vitest";
import { Porter, type ClientOptions } from "../../src/index.js";
import { startLocalServer, type LocalServer, type LocalServerOptions } from "../../src/local/index.js";

export interface Harness {
  server: LocalServer;
  porter: Porter;
  /** A raw `fetch` against the server, bypassing the SDK (and its validation). */
  http(path: string, init?: RequestInit): Promise<Response>;
}

/** One server and client for the whole file; both closed after the last test. */
export function useServer(options: LocalServerOptions = {}, client: ClientOptions = {}): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    h.server = await startLocalServer({ quiet: true, startDelayMs: 5, ...options });
    h.porter = new Porter({ baseUrl: h.server.url, maxRetries: 0, ...client });
    h.http = (path, init) => fetch(h.server.url + path, init);
  });
  afterAll(async () => {
    h.porter?.close();
    await h.server?.close();
  });
  return h;
}

/** Polls `probe` every 10 ms until it returns a value other than undefined, for at most `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

/** A unique DNS-label name for this test run. */
let counter = 0;
export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

// Raw-HTTP steps, for tests of the wire shapes that must not depend on the SDK's types or methods.

/** POSTs JSON and returns the parsed answer, failing the test on any status but `expected`. */
export async function post<T = any>(h: Harness, path: string, body: unknown, expected: number): Promise<T> {
  const res = await h.http(path, json(body));
  const text = await res.text();
  if (res.status !== expected) throw new Error(`POST ${path} answered ${res.status}, not ${expected}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Creates a sandbox (202) and waits until it runs; returns its id. */
export async function runningSandbox(h: Harness, spec: Record<string, unknown>): Promise<string> {
  const { id } = await post<{ id: string }>(h, "/v1/sandbox/run", spec, 202);
  await eventually(async () =>
    (await (await h.http(`/v1/sandbox/${id}`)).json()).phase === "running" ? true : undefined,
  );
  return id;
}

/** Runs a command in a sandbox; returns its stdout, failing the test unless it exits 0. */
export async function sh(h: Harness, id: string, script: string): Promise<string> {
  const result = await post<{ stdout: string; stderr: string; exit_code: number }>(
    h,
    `/v1/sandbox/${id}/exec`,
    { command: ["sh", "-c", script] },
    200,
  );
  if (result.exit_code !== 0) throw new Error(`${script} exited ${result.exit_code}: ${result.stderr}`);
  return result.stdout;
}

export const terminate = (h: Harness, id: string) => h.http(`/v1/sandbox/${id}`, { method: "DELETE" });
