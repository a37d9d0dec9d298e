// Where requests go and with what credentials, from options and environment, in the reference's order;
// and that no secret shows in logs, errors, inspection or serialisation.
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { Porter, SandboxError, ServerError } from "../../src/index.js";
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
    [{ baseUrl: "localhost:8080" }, {}, /baseUrl must be an absolute http\(s\) URL/],
  ])("impossible setting %j %j fails at construction, naming what to set", (options, env, message) => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v as string);
    expect(() => new Porter(options)).toThrow(message);
    expect(() => new Porter(options)).toThrow(SandboxError);
  });

  test.each([
    [{ timeoutMs: 0 }, /invalid option timeoutMs: must be a positive number/],
    [{ timeoutMs: -5 }, /invalid option timeoutMs/],
    [{ maxRetries: 1.5 }, /invalid option maxRetries: must be a whole number, 0 or more/],
    [{ maxRetries: -1 }, /invalid option maxRetries/],
    [{ logLevel: "loud" }, /invalid option logLevel: must be one of off, error, warn, info, debug/],
  ])("bad option %j is refused at construction", (options, message) => {
    expect(() => new Porter({ baseUrl: "http://x", ...(options as object) })).toThrow(message);
  });
});

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
