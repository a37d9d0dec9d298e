// The options of the local server and the defaults it applies.
import { operations } from "../../generated/request-rules.js";

export type OperationId = keyof typeof operations;

/**
 * Failures the server injects on purpose, for reliability tests of clients: latency, error statuses
 * (with or without `Retry-After`) and answers lost after the work was done.
 *
 * @example
 * ```ts
 * const faults: FaultOptions = {
 *   latencyMs: 25,
 *   statusRates: { 503: 0.2, 429: 0.1 },
 *   retryAfterMs: 50,
 *   dropAfterCommitRate: 0.3,
 *   operations: ["createSandbox", "getSandbox"],
 * };
 * const server = await startLocalServer({ quiet: true, faults });
 * ```
 */
export interface FaultOptions {
  /** Delay added before every request is handled, in ms. */
  latencyMs?: number;
  /** Probability per HTTP status of answering it instead of handling the request, e.g. `{ 503: 0.2, 429: 0.1 }`. */
  statusRates?: Record<number, number>;
  /** `Retry-After` (and `retry-after-ms`) sent with injected 429 and 503 answers, in ms. Default: none sent. */
  retryAfterMs?: number;
  /** Probability that a create (sandbox or volume) is committed and then the connection is destroyed
   * without an answer, as when a response is lost on the way back. */
  dropAfterCommitRate?: number;
  /** Only these operations (operationIds of the spec, e.g. `"createSandbox"`) get injected faults.
   * Default: every operation. */
  operations?: readonly string[];
  /** Source of randomness in [0, 1), seedable for reproducible tests. Default: `Math.random`. */
  random?: () => number;
}

/**
 * Options of `startLocalServer`. All are optional: by default it listens on a free port of 127.0.0.1,
 * with no token, in a fresh temporary state directory.
 *
 * @example
 * ```ts
 * const server = await startLocalServer({
 *   port: 0,
 *   token: "dev-token",
 *   pageSize: 10,
 *   envGroups: { "ml-secrets": { HF_TOKEN: "hf_test" } },
 *   quiet: true,
 * });
 * const porter = new Porter({ baseUrl: server.url, apiKey: "dev-token" });
 * ```
 */
export interface LocalServerOptions {
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1` (loopback only): commands run on this host without isolation. */
  host?: string;
  /** When set, every request must carry `Authorization: Bearer <token>`; others get 401. */
  token?: string;
  /** Directory for all state (sandbox working dirs, volumes, snapshots). It must not exist or be empty;
   * it is removed on close. Default: a fresh temporary directory. */
  stateDir?: string;
  /** Sandboxes per page of `GET /v1/sandbox`. Default 50. */
  pageSize?: number;
  /** Time a new sandbox spends in phase `creating` before it runs, in ms. Default 20. */
  startDelayMs?: number;
  /** Largest file a volume write accepts, in bytes. Default 1 GiB, the API's limit; lower it in tests. */
  maxFileBytes?: number;
  /** Environment groups that `env_groups` may name, each a map of variables. Default: none. */
  envGroups?: Record<string, Record<string, string>>;
  /** Entries one file listing (`GET /v1/volume/{id}/files`) walks at most, as Porter's server-side
   * budget: directories past it come back `truncated`. Default 1000. */
  listEntryBudget?: number;
  /** Answer file writes (`PUT /v1/volume/{id}/files/content`) with a `307` to a one-time upload link
   * on this server, as Porter's API does, so that clients exercise following it. `false` takes the
   * body on the first request. Default true. */
  redirectWrites?: boolean;
  /** How long an upload link of a redirected write stays valid, in ms. Default 5 minutes. */
  uploadLinkTtlMs?: number;
  /** How often the CPU and memory of each running sandbox's processes are sampled (Linux, from
   * `/proc`), in ms; the metrics endpoints report these samples. Default 1000. */
  metricsIntervalMs?: number;
  /** Injected failures, for tests. Default: none. */
  faults?: FaultOptions;
  /** No start-up banner on stderr. Default false. */
  quiet?: boolean;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  token: string | undefined;
  pageSize: number;
  startDelayMs: number;
  maxFileBytes: number;
  envGroups: Record<string, Record<string, string>>;
  listEntryBudget: number;
  redirectWrites: boolean;
  uploadLinkTtlMs: number;
  metricsIntervalMs: number;
  faults: FaultOptions & { random: () => number };
  quiet: boolean;
}

function check(name: string, value: number | undefined, ok: (n: number) => boolean, rule: string): void {
  if (value !== undefined && !(typeof value === "number" && ok(value)))
    throw new TypeError(`startLocalServer: ${name} ${rule}`);
}

export function resolveOptions(options: LocalServerOptions): ResolvedOptions {
  check("port", options.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, "must be a port number (0 for any)");
  check("pageSize", options.pageSize, (n) => Number.isInteger(n) && n >= 1, "must be a whole number, 1 or more");
  check("maxFileBytes", options.maxFileBytes, (n) => Number.isInteger(n) && n >= 0, "must be a whole number of bytes");
  check("startDelayMs", options.startDelayMs, (n) => n >= 0, "must be 0 or more");
  check(
    "listEntryBudget",
    options.listEntryBudget,
    (n) => Number.isInteger(n) && n >= 1,
    "must be a whole number, 1 or more",
  );
  check("uploadLinkTtlMs", options.uploadLinkTtlMs, (n) => n > 0, "must be more than 0");
  check("metricsIntervalMs", options.metricsIntervalMs, (n) => n >= 10, "must be 10 or more");
  const faults = options.faults ?? {};
  check("faults.latencyMs", faults.latencyMs, (n) => n >= 0, "must be 0 or more");
  check("faults.dropAfterCommitRate", faults.dropAfterCommitRate, (n) => n >= 0 && n <= 1, "must be between 0 and 1");
  for (const op of faults.operations ?? []) {
    if (!(op in operations))
      throw new TypeError(
        `startLocalServer: faults.operations: ${JSON.stringify(op)} is not an operationId of the spec`,
      );
  }
  for (const [status, rate] of Object.entries(faults.statusRates ?? {})) {
    check(`faults.statusRates[${status}]`, rate, (n) => n >= 0 && n <= 1, "must be between 0 and 1");
    check(
      `faults.statusRates key ${status}`,
      Number(status),
      (n) => Number.isInteger(n) && n >= 400 && n <= 599,
      "must be an HTTP error status",
    );
  }
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    token: options.token,
    pageSize: options.pageSize ?? 50,
    startDelayMs: options.startDelayMs ?? 20,
    maxFileBytes: options.maxFileBytes ?? 1024 * 1024 * 1024,
    envGroups: options.envGroups ?? {},
    listEntryBudget: options.listEntryBudget ?? 1000,
    redirectWrites: options.redirectWrites ?? true,
    uploadLinkTtlMs: options.uploadLinkTtlMs ?? 5 * 60_000,
    metricsIntervalMs: options.metricsIntervalMs ?? 1000,
    faults: { ...faults, random: faults.random ?? Math.random },
    quiet: options.quiet ?? false,
  };
}
