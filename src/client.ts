// `Porter`, the top-level client: resource namespaces over one transport.
import { invoke } from "./internal/operation.js";
import { resolveConfig, type ClientOptions } from "./core/options.js";
import { transportClient, type RawClient } from "./resources/raw.js";
import { attach, type WithResponse } from "./core/response-info.js";
import { Sandboxes } from "./resources/sandboxes/sandboxes.js";
import { Snapshots } from "./resources/snapshots.js";
import { Transport } from "./internal/transport.js";
import type { RequestOptions } from "./core/options.js";
import type { HealthResponse, ReadinessResponse } from "./core/types.js";
import { Volumes } from "./resources/volumes/volumes.js";

/**
 * The top-level client: resource namespaces for sandboxes, volumes, health and readiness, over one
 * transport (retries, idempotency keys, timeouts, cancellation).
 *
 * @example
 * ```ts
 * const porter = new Porter(); // PORTER_SANDBOX_BASE_URL, or PORTER_CLUSTER_ID + PORTER_SANDBOX_API_KEY, or in-cluster
 * const sandbox = await porter.sandboxes.create({ image: "python:3.12-slim", name: "my-sandbox" });
 * porter.close();
 * ```
 */
// Public fields are `declare`d and set in the constructor: a class field declaration would be emitted
// too, only to be overwritten.
export class Porter {
  /** Create, get, list and terminate sandboxes. */
  declare readonly sandboxes: Sandboxes;
  /** Create, get, list and delete volumes, and reach their files. */
  declare readonly volumes: Volumes;
  /** Snapshots of sandboxes: capture, list, delete; start a sandbox from one with `snapshot_id`. */
  declare readonly snapshots: Snapshots;
  /** Liveness of the API: `healthCheck()` (GET /healthz). */
  declare readonly healthz: { healthCheck(options?: RequestOptions): Promise<WithResponse<HealthResponse>> };
  /** Readiness of the API: `readinessCheck()` (GET /readyz). */
  declare readonly readyz: { readinessCheck(options?: RequestOptions): Promise<WithResponse<ReadinessResponse>> };
  /** The API base URL requests go to. */
  declare readonly baseUrl: string;
  readonly #transport: Transport;
  #raw: RawClient | undefined;

  constructor(options: ClientOptions = {}) {
    const config = resolveConfig(options);
    const transport = new Transport(config);
    this.#transport = transport;
    const raw = () => (this.#raw ??= transportClient(transport));
    // Assigned in the order the fields are declared, so the instance's keys keep that order.
    this.sandboxes = new Sandboxes(transport, raw);
    this.volumes = new Volumes(transport, raw);
    this.snapshots = new Snapshots(transport, (nameOrId, options) => this.sandboxes.resolveId(nameOrId, options));
    this.healthz = {
      healthCheck: async (o) => {
        const outcome = await invoke(transport, "healthCheck", {}, o);
        return attach(outcome.data, outcome);
      },
    };
    this.readyz = {
      readinessCheck: async (o) => {
        const outcome = await invoke(transport, "readinessCheck", {}, o);
        return attach(outcome.data, outcome);
      },
    };
    this.baseUrl = config.baseUrl;
  }

  /**
   * The typed low-level client for every endpoint in the spec, through the same transport.
   *
   * @example
   * ```ts
   * const { data } = await porter.raw.GET("/v1/snapshot", { params: { query: { sandbox_id: "sbx_1" } } });
   * ```
   */
  get raw(): RawClient {
    return this.sandboxes.raw;
  }

  /**
   * Aborts requests in flight; later calls fail at once with `ClientClosedError`.
   *
   * @example
   * ```ts
   * porter.close();
   * ```
   */
  close(): void {
    this.#transport.close();
  }

  /** `await using porter = new Porter()` closes the client at scope exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
