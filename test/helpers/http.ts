// A real HTTP server on loopback for tests: records every request as it arrived on the wire and
// answers through a handler the test writes. Nothing is mocked below `fetch`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

export interface Recorded {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
  json: unknown;
}

export type Handler = (req: Recorded, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export interface TestServer {
  url: string;
  requests: Recorded[];
  /** Replace the handler. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(text);
}

export async function startServer(
  handler: Handler = (_req, res) => json(res, 404, { error: "no handler" }),
): Promise<TestServer> {
  let current = handler;
  const requests: Recorded[] = [];
  const server = createServer(async (raw, res) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of raw) chunks.push(chunk as Buffer);
    } catch {
      // The client went away while sending (an aborted upload): there is no request to answer.
      return;
    }
    const body = Buffer.concat(chunks);
    const u = new URL(raw.url ?? "/", "http://x");
    let parsed: unknown;
    try {
      parsed = body.length ? JSON.parse(body.toString("utf8")) : undefined;
    } catch {
      parsed = undefined;
    }
    const rec: Recorded = {
      method: raw.method ?? "",
      url: raw.url ?? "",
      path: u.pathname,
      query: u.searchParams,
      headers: raw.headers,
      body,
      json: parsed,
    };
    requests.push(rec);
    try {
      await current(rec, res, raw);
    } catch (error) {
      if (!res.headersSent) json(res, 500, { error: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (h) => void (current = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** For one test file: a `serve` that starts a server and closes it after the test that started it. */
export function useServers(): (handler?: Handler) => Promise<TestServer> {
  const open: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((server) => server.close()));
  });
  return async (handler) => {
    const server = await startServer(handler);
    open.push(server);
    return server;
  };
}
