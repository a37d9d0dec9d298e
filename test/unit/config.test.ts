// Where requests go and with what credentials, from options and environment, in the reference's order;
// and that no secret shows in logs, errors, inspection or serialisation.
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ConfigurationError, Porter, ServerError, ValidationError, type ValidationIssue } from "../../src/index.js";
import { json, startServer, type TestServer } from "../helpers/http.js";

const VARS = [
  "PORTER_SANDBOX_API_KEY",
  "PORTER_CLUSTER_ID",
  "PORTER_SANDBOX_BASE_URL",
  "KUBERNETES_SERVICE_HOST",
  "PORTER_SANDBOX_LOG",
];
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const token = (claims: object) => `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(claims)}.c2lnbmF0dXJl`;

beforeEach(() => {
  for (const v of VARS) vi.stubEnv(v, "");
});
afterEach(() => vi.unstubAllEnvs());

describe("base URL and key resolution", () => {
  test("the baseUrl option wins over every variable; a trailing slash is dropped", () => {
    vi.stubEnv("PORTER_SANDBOX_BASE_URL", "http://env:1");
    vi.stubEnv("PORTER_CLUSTER_ID", "9");
    expect(new Porter({ baseUrl: "http://opt:2/prefix/", apiKey: "k" }).baseUrl).toBe("http://opt:2/prefix");
  });

  test("PORTER_SANDBOX_BASE_URL is next, and the key comes from PORTER_SANDBOX_API_KEY", async () => {
    const s = await startServer((_req, res) => json(res, 200, { status: "ok" }));
    vi.stubEnv("PORTER_SANDBOX_BASE_URL", `${s.url}/`);
    vi.stubEnv("PORTER_SANDBOX_API_KEY", "env-key");
    const porter = new Porter();
    await porter.healthz.healthCheck();
    expect(s.requests[0]!.headers.authorization).toBe("Bearer env-key");
    await s.close();
  });

  test("PORTER_CLUSTER_ID with a key builds the dashboard URL from the token's project_id", () => {
    vi.stubEnv("PORTER_CLUSTER_ID", "4242");
    vi.stubEnv("PORTER_SANDBOX_API_KEY", token({ sub: "u", project_id: 17 }));
    expect(new Porter().baseUrl).toBe("https://dashboard.porter.run/api/v2/alpha/projects/17/clusters/4242");
  });

  test("the path prefix of the base URL is kept on every request (appended, never resolved)", async () => {
    const s = await startServer((_req, res) => json(res, 200, { id: "sbx_1" }));
    const porter = new Porter({ baseUrl: `${s.url}/api/v2/alpha/projects/1/clusters/2` });
    await porter.raw.GET("/v1/sandbox/lookup", { params: { query: { name: "a" } } });
    await porter.sandboxes.get("a").catch(() => {});
    expect(s.requests.map((r) => r.path)).toEqual([
      "/api/v2/alpha/projects/1/clusters/2/v1/sandbox/lookup",
      "/api/v2/alpha/projects/1/clusters/2/v1/sandbox/lookup",
      "/api/v2/alpha/projects/1/clusters/2/v1/sandbox/sbx_1",
    ]);
    await s.close();
  });

  test("inside Kubernetes with no other setting, the in-cluster URL and no key", () => {
    vi.stubEnv("KUBERNETES_SERVICE_HOST", "10.0.0.1");
    expect(new Porter().baseUrl).toBe("http://sandbox-api.porter-sandbox-system.svc.cluster.local:8080");
  });

  test.each([
    [
      {},
      {},
      /cannot tell where the Sandbox API is: pass baseUrl or set PORTER_SANDBOX_BASE_URL, or set PORTER_CLUSTER_ID and PORTER_SANDBOX_API_KEY/,
    ],
    [
      { apiKey: "k" },
      {},
      /an API key is set but no cluster: set PORTER_CLUSTER_ID .* or pass baseUrl \/ set PORTER_SANDBOX_BASE_URL/,
    ],
    [
      {},
      { PORTER_CLUSTER_ID: "1" },
      /PORTER_CLUSTER_ID is set but no API key: pass apiKey or set PORTER_SANDBOX_API_KEY/,
    ],
    [
      { apiKey: "not-a-jwt" },
      { PORTER_CLUSTER_ID: "1" },
      /not a Porter API token \(a JWT with a positive-integer project_id claim\)/,
    ],
    [
      { apiKey: token({ project_id: "7" }) },
      { PORTER_CLUSTER_ID: "1" },
      /not a Porter API token \(a JWT with a positive-integer project_id claim\)/,
    ],
    [
      { apiKey: token({ project_id: 0 }) },
      { PORTER_CLUSTER_ID: "1" },
      /not a Porter API token \(a JWT with a positive-integer project_id claim\)/,
    ],
    [{ apiKey: "a.bnVsbA.c" }, { PORTER_CLUSTER_ID: "1" }, /not a Porter API token/],
    [{}, { PORTER_SANDBOX_BASE_URL: "localhost:8080" }, /PORTER_SANDBOX_BASE_URL must be an absolute http\(s\) URL/],
    [{}, { PORTER_SANDBOX_BASE_URL: "http://u:p@host" }, /PORTER_SANDBOX_BASE_URL must not hold a user name, password/],
    [
      {},
      { PORTER_SANDBOX_BASE_URL: "http://x", PORTER_SANDBOX_API_KEY: "two words" },
      /PORTER_SANDBOX_API_KEY may hold only visible ASCII characters/,
    ],
    [{ baseUrl: "http://x" }, { PORTER_SANDBOX_LOG: "loud" }, /PORTER_SANDBOX_LOG must be one of off, error/],
  ])("impossible setting %j %j is a ConfigurationError naming what to set", (options, env, message) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v as string);
    const error = catchError(() => new Porter(options));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).not.toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ name: "ConfigurationError", code: "configuration_error", statusCode: undefined });
    expect((error as Error).message).toMatch(/^porter-sandbox configuration: /);
    expect((error as Error).message).toMatch(message);
  });

  test("a runtime without fetch and no fetch option is a ConfigurationError", () => {
    vi.stubGlobal("fetch", undefined);
    try {
      const error = catchError(() => new Porter({ baseUrl: "http://x" }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain("no global fetch in this runtime: pass one as the fetch option");
    } finally {
      vi.unstubAllGlobals();
    }
  });

  const DURATION =
    "must be a positive number of milliseconds, at most 2147483647 (about 24.8 days), or Infinity for none";
  test.each([
    [{ timeoutMs: 0 }, [{ path: "timeoutMs", message: DURATION }]],
    [{ timeoutMs: -1 }, [{ path: "timeoutMs", message: DURATION }]],
    [{ retryDelayMs: 2 ** 31 }, [{ path: "retryDelayMs", message: DURATION }]],
    [{ maxRetries: 1.5 }, [{ path: "maxRetries", message: "must be a whole number, 0 or more" }]],
    [{ maxRetries: -1 }, [{ path: "maxRetries", message: "must be a whole number, 0 or more" }]],
    [{ maxRetries: NaN }, [{ path: "maxRetries", message: "must be a whole number, 0 or more" }]],
    [{ logLevel: "loud" }, [{ path: "logLevel", message: "must be one of off, error, warn, info, debug" }]],
    [{ idempotencyTag: "yes" }, [{ path: "idempotencyTag", message: "must be true or false" }]],
    [{ fetch: "fetch" }, [{ path: "fetch", message: "must be a function" }]],
    [
      { defaultHeaders: { "x team": "ml" } },
      [{ path: 'defaultHeaders["x team"]', message: "must be a valid HTTP header name and value" }],
    ],
    [
      { defaultHeaders: { "x-team": "ml\r\nx-admin: 1" } },
      [{ path: 'defaultHeaders["x-team"]', message: "must be a valid HTTP header name and value" }],
    ],
    [
      { baseUrl: "localhost:8080" },
      [{ path: "baseUrl", message: 'must be an absolute http(s) URL, got "localhost:8080"' }],
    ],
    [
      { baseUrl: "http://x/?a=1" },
      [
        {
          path: "baseUrl",
          message: "must not hold a user name, password, query or fragment (pass credentials as apiKey)",
        },
      ],
    ],
  ])("bad option %j is a ValidationError naming it, at construction", (options, issues) => {
    const error = catchError(() => new Porter({ baseUrl: "http://x", ...(options as object) }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ name: "ValidationError", code: "validation_error", issues });
    const [issue] = issues as ValidationIssue[];
    expect((error as Error).message).toBe(`invalid client options: ${issue!.path}: ${issue!.message}`);
  });

  test("an API key option with a space is a ValidationError naming apiKey, and the key is not echoed", () => {
    const error = catchError(() => new Porter({ baseUrl: "http://x", apiKey: "sk live" }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      {
        path: "apiKey",
        message: "may hold only visible ASCII characters (no spaces or line breaks): check how it was pasted",
      },
    ]);
    expect((error as Error).message).not.toContain("sk live");
  });

  test("every bad option is listed at once", () => {
    const options = { timeoutMs: -1, maxRetries: NaN, idempotencyTag: "yes", logLevel: "loud" } as object;
    const error = catchError(() => new Porter({ baseUrl: "http://x", ...options }));
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      "timeoutMs",
      "maxRetries",
      "idempotencyTag",
      "logLevel",
    ]);
  });

  test.each([
    [{ timeoutMs: 0 }, [{ path: "timeoutMs", message: DURATION }]],
    [{ totalTimeoutMs: -5 }, [{ path: "totalTimeoutMs", message: DURATION }]],
    [{ maxRetries: NaN }, [{ path: "maxRetries", message: "must be a whole number, 0 or more" }]],
    [{ signal: "stop" }, [{ path: "signal", message: "must be an AbortSignal" }]],
    [
      { headers: { "x-trace": "a\nb" } },
      [{ path: 'headers["x-trace"]', message: "must be a valid HTTP header name and value" }],
    ],
  ])("bad per-call option %j is a ValidationError naming it; nothing is sent", async (options, issues) => {
    const s = await startServer((req, res) =>
      req.path === "/v1/sandbox/sbx_1"
        ? json(res, 200, {
            id: "sbx_1",
            name: "box",
            image: "alpine",
            phase: "running",
            created_at: "2026-11-22T00:00:00Z",
          })
        : json(res, 200, { exit_code: 0, stdout: "", stderr: "" }),
    );
    const sandbox = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
    for (const call of [() => sandbox.exec(["true"], options as object), () => sandbox.refresh(options as object)]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: "validation_error", issues });
      expect((error as Error).message).toMatch(/^invalid request options: /);
    }
    expect(s.requests.map((r) => r.path)).toEqual(["/v1/sandbox/sbx_1"]);
    await s.close();
  });
});

test("a bad wait option is a ValidationError naming it", async () => {
  const s = await startServer((_req, res) =>
    json(res, 200, { id: "sbx_1", name: "box", image: "alpine", phase: "queued", created_at: "2026-11-22T00:00:00Z" }),
  );
  const sandbox = await new Porter({ baseUrl: s.url }).sandboxes.get("sbx_1");
  const error = await sandbox.waitUntilRunning({ pollIntervalMs: 0 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({
    code: "validation_error",
    issues: [{ path: "pollIntervalMs", message: expect.stringMatching(/^must be a positive number of milliseconds/) }],
    message: expect.stringMatching(/^invalid wait options: pollIntervalMs: /),
  });
  expect(s.requests).toHaveLength(1);
  await s.close();
});

/** What `fn` throws. */
function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("secrets", () => {
  const key = token({ project_id: 3, secret: "s3cr3t" });
  let s: TestServer;
  beforeEach(async () => {
    s = await startServer((req, res) =>
      req.path === "/healthz" ? json(res, 200, { status: "ok" }) : json(res, 500, { error: "boom" }),
    );
  });
  afterEach(() => s.close());

  test("the API key never appears in log lines, errors, inspection or JSON of the client and its errors", async () => {
    const lines: string[] = [];
    const logger = {
      debug: (l: string) => lines.push(l),
      info: (l: string) => lines.push(l),
      warn: (l: string) => lines.push(l),
      error: (l: string) => lines.push(l),
    };
    const porter = new Porter({
      baseUrl: s.url,
      apiKey: key,
      logger,
      logLevel: "debug",
      maxRetries: 1,
      retryDelayMs: 1,
    });
    await porter.healthz.healthCheck();
    const err = await porter.sandboxes.get("sbx_1").catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const sandbox = await porter.sandboxes.create({ image: "a" }).catch((e) => e);
    const surfaces = [
      ...lines,
      String(err),
      err.stack,
      inspect(err, { depth: 10, showHidden: true }),
      JSON.stringify(err),
      inspect(porter, { depth: 10, showHidden: true }),
      JSON.stringify(porter),
      inspect(sandbox, { depth: 10 }),
      inspect(porter.raw, { depth: 4 }),
    ];
    for (const text of surfaces) {
      expect(text).not.toContain(key);
      expect(text).not.toContain("s3cr3t");
      expect(text).not.toMatch(/Bearer/);
    }
  });

  test("debug logging shows method, path, status, attempt and duration", async () => {
    const lines: string[] = [];
    const porter = new Porter({
      baseUrl: s.url,
      logger: { debug: (l) => lines.push(l), info: (l) => lines.push(l), warn: () => {}, error: () => {} },
      logLevel: "debug",
    });
    await porter.healthz.healthCheck();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^porter-sandbox: GET \/healthz 200 \(attempt 1, \d+ ms\)$/);
  });

  test("PORTER_SANDBOX_LOG sets the level when the option does not", async () => {
    vi.stubEnv("PORTER_SANDBOX_LOG", "debug");
    const lines: string[] = [];
    const porter = new Porter({
      baseUrl: s.url,
      logger: { debug: (l) => lines.push(l), info: () => {}, warn: () => {}, error: () => {} },
    });
    await porter.healthz.healthCheck();
    expect(lines).toHaveLength(1);
  });

  test("nothing is logged at the default level", async () => {
    const spy = vi.spyOn(console, "debug");
    const info = vi.spyOn(console, "info");
    await new Porter({ baseUrl: s.url, maxRetries: 1, retryDelayMs: 1 }).sandboxes.get("sbx_1").catch(() => {});
    expect(spy).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
  });
});
