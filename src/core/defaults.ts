// Every default the SDK applies, in one place. The first group are defaults of options, which can be
// overridden where each option is declared (client and per-call options in src/core/options.ts, wait
// options in src/internal/wait.ts); the second group are fixed by the SDK and are not options.
import type { StatusResponsePhase } from "./types.js";

export const DEFAULTS = {
  // Defaults of options.

  /** Per-attempt request timeout. */
  timeoutMs: 30_000,
  /** Per-attempt timeout of `sandbox.exec`: none unless the caller gives one, since a command may run long. */
  execTimeoutMs: Infinity,
  /** Retries after the first attempt, for failures that are safe to retry (see src/internal/retry.ts). */
  maxRetries: 2,
  /** First backoff delay; doubles each retry, with up to `retryJitter` of it taken off. */
  retryDelayMs: 500,
  /** Ceiling of the exponential backoff. */
  maxRetryDelayMs: 8_000,
  /** A server's `Retry-After` is honoured up to this long; longer asks are capped to it. */
  maxRetryAfterMs: 60_000,
  /** Tag each sandbox create with its idempotency key, so that a retry can find what a lost attempt made. */
  idempotencyTag: true,
  /** Log level when neither the `logLevel` option nor `PORTER_SANDBOX_LOG` sets one: nothing is logged in
   * normal operation. */
  logLevel: "warn",
  /** First poll interval of the wait helpers; grows by `pollGrowth` each poll up to the maximum. */
  pollIntervalMs: 250,
  /** How long a wait helper waits before raising `SandboxTimeoutError`. */
  waitTimeoutMs: 120_000,
  /** First poll interval of `sandbox.followLogs`: each poll is two requests (the status, then the logs). */
  followLogsPollIntervalMs: 1_000,
  /** Lines each poll of `sandbox.followLogs` asks for: the API's most, so that a chatty sandbox loses no
   * line between two polls (the API answers the most recent lines when more match). */
  followLogsLimit: 5_000,
  /** The phases `porter.sandboxes.list` asks for when the caller names none. Porter does not state which
   * phases its list returns by default (its CLI hides only `terminated`), so the SDK asks for the live
   * ones itself: "live sandboxes by default" then holds on any server. */
  listPhases: ["queued", "creating", "running"] as readonly StatusResponsePhase[],

  // Fixed by the SDK.

  /** The largest fraction of a backoff delay taken off at random, so that many clients do not retry in step. */
  retryJitter: 0.25,
  /** Each poll interval of a wait helper is the previous one times this (grows by half). */
  pollGrowth: 1.5,
  /** The longest poll interval of the wait helpers. */
  maxPollIntervalMs: 2_000,
  /** The shortest poll interval: no wait helper or log follower polls the API more often. */
  minPollIntervalMs: 250,
  /** How far before its newest line a `followLogs` poll asks from (`since`): room for the difference
   * between the client's clock and the server's, since the API takes `since` as a duration back from now. */
  followLogsOverlapMs: 10_000,
  /** Redirect hops followed before giving up. */
  maxRedirects: 5,
  /** Characters of a non-JSON response body (an HTML error page, say) kept in an error's message and `body`. */
  bodyExcerptChars: 200,
  /** Chunk size of streamed volume file reads: the most held in memory at once. */
  readChunkBytes: 4 * 1024 * 1024,
  /** The API's largest file write, 1 GiB. */
  maxWriteBytes: 1024 * 1024 * 1024,
} as const;

export const IN_CLUSTER_BASE_URL = "http://sandbox-api.porter-sandbox-system.svc.cluster.local:8080";
export const DASHBOARD_URL = "https://dashboard.porter.run/api/v2/alpha";
