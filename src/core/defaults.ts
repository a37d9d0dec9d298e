// Every default the SDK applies, in one place. Each can be overridden where the option is declared
// (client options in src/core/options.ts, per-request options in src/core/options.ts).
export const DEFAULTS = {
  /** Per-attempt request timeout. Exec has none unless the caller gives one (a command may run long). */
  timeoutMs: 30_000,
  /** Retries after the first attempt, for failures that are safe to retry (see src/internal/retry.ts). */
  maxRetries: 2,
  /** First backoff delay; doubles each retry, with up to 25% jitter taken off. */
  retryDelayMs: 500,
  /** Ceiling of the exponential backoff. */
  maxRetryDelayMs: 8_000,
  /** A server's `Retry-After` is honoured up to this long; longer asks are capped to it. */
  maxRetryAfterMs: 60_000,
  /** Tag each sandbox create with its idempotency key, so that a retry can find what a lost attempt made. */
  idempotencyTag: true,
  /** Redirect hops followed before giving up. */
  maxRedirects: 5,
  /** First poll interval of the wait helpers; grows by half each poll up to the maximum. */
  pollIntervalMs: 250,
  maxPollIntervalMs: 2_000,
  /** How long a wait helper waits before raising `SandboxTimeoutError`. */
  waitTimeoutMs: 120_000,
  /** Chunk size of streamed volume file reads: the most held in memory at once. */
  readChunkBytes: 4 * 1024 * 1024,
  /** The API's largest file write, 1 GiB. */
  maxWriteBytes: 1024 * 1024 * 1024,
} as const;

export const IN_CLUSTER_BASE_URL = "http://sandbox-api.porter-sandbox-system.svc.cluster.local:8080";
export const DASHBOARD_URL = "https://dashboard.porter.run/api/v2/alpha";
