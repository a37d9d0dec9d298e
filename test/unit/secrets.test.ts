// No view of any error shows the API key: not its message or stack, not `util.inspect` (which prints the
// causes, nested ones included), not `JSON.stringify`, not the body of an error answer that echoes the
// Authorization header.
import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import { AuthenticationError, ConnectionError, Porter, SandboxError } from "../../src/index.js";
import { json, useServers } from "../helpers/http.js";

const serve = useServers();
const KEY = "eyJhbGciOiJIUzI1NiJ9.eyJwcm9qZWN0X2lkIjo3fQ.c2VjcmV0LXNpZ25hdHVyZQ";

/** Every way a user might look at an error. */
function views(error: unknown): string[] {
  const e = error as Error;
  return [
    e.message,
    String(e.stack),
    inspect(e, { depth: 10 }),
    JSON.stringify(e),
    JSON.stringify((e as SandboxError).body ?? null),
    String(e),
  ];
}

const expectNoKey = (error: unknown) => {
  for (const view of views(error)) expect(view).not.toContain(KEY);
};

/** A client whose fetch fails as `failure` describes. */
const failingWith = (failure: () => unknown) =>
  new Porter({
    baseUrl: "http://127.0.0.1:9",
    apiKey: KEY,
    maxRetries: 0,
    fetch: async () => Promise.reject(failure()),
  });

describe("the API key never shows", () => {
  test("a fetch error quoting the key, with a nested cause quoting it too", async () => {
    const inner = new Error(`socket hang up while sending Bearer ${KEY}`);
    const thrown = new TypeError(`fetch failed: Authorization: Bearer ${KEY}`, {
      cause: Object.assign(inner, { code: "ECONNRESET" }),
    });
    const error = await failingWith(() => thrown)
      .healthz.healthCheck()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expectNoKey(error);
    // The details stay: the cause's class, its code and the rest of the messages.
    const cause = (error as Error).cause as TypeError & { cause: Error & { code: string } };
    expect(cause).toBeInstanceOf(TypeError);
    expect(cause.message).toBe("fetch failed: Authorization: Bearer [redacted]");
    expect(cause.cause.code).toBe("ECONNRESET");
    expect(cause.cause.message).toContain("socket hang up");
    // The caller's own error object is not changed.
    expect(thrown.message).toContain(KEY);
  });

  test("a thrown string quoting the key", async () => {
    const error = await failingWith(() => `cannot send Bearer ${KEY}`)
      .healthz.healthCheck()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expectNoKey(error);
    expect((error as Error).cause).toBe("cannot send Bearer [redacted]");
  });

  test("a 401 whose body echoes the Authorization header", async () => {
    const s = await serve((req, res) =>
      json(res, 401, {
        error: `invalid token: ${req.headers.authorization}`,
        request: { headers: { authorization: req.headers.authorization } },
      }),
    );
    const error = await new Porter({ baseUrl: s.url, apiKey: KEY }).healthz.healthCheck().catch((e: unknown) => e);
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(error).toBeInstanceOf(AuthenticationError);
    expectNoKey(error);
    expect((error as Error).message).toContain("invalid token: Bearer [redacted]");
  });

  test("a 2xx body that cannot be read and quotes the key", async () => {
    const s = await serve(
      (req, res) =>
        void res.writeHead(200, { "content-type": "text/html" }).end(`<p>proxy saw ${req.headers.authorization}</p>`),
    );
    const error = await new Porter({ baseUrl: s.url, apiKey: KEY }).healthz.healthCheck().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxError);
    expectNoKey(error);
  });
});
