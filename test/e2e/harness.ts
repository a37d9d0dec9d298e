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
