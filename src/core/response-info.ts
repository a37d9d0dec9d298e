// What the SDK learned from the HTTP exchange behind a result: attached to every returned object as a
// non-enumerable `lastResponse` (as Stripe's SDK does), so records still print and serialise as the
// API's data alone.

/**
 * What the SDK learned from the HTTP exchange behind a result: found as `lastResponse` on every record
 * and handle a method returns. Not enumerable, so records still print and serialise as the API's data.
 *
 * @example
 * ```ts
 * const sandbox = await porter.sandboxes.create({ image: "alpine:3.20" });
 * const info: ResponseInfo | undefined = sandbox.lastResponse;
 * console.log(info?.requestId, info?.attempts, info?.idempotencyKey, info?.replayed);
 * ```
 */
export interface ResponseInfo {
  /** HTTP status of the final attempt. */
  status: number;
  /** The `X-Request-Id` the API answered with. */
  requestId: string | undefined;
  /** Attempts made: 1 when the first succeeded. */
  attempts: number;
  /** The `Idempotency-Key` sent (creates only), the same on every attempt. */
  idempotencyKey: string | undefined;
  /** True when the API answered with the stored response for this key (`Idempotent-Replayed`). */
  replayed: boolean;
}

/**
 * A record the API returned, with the `lastResponse` of the exchange that fetched it.
 *
 * @example
 * ```ts
 * const result: WithResponse<ExecResponse> = await sandbox.exec(["echo", "hi"]);
 * console.log(result.stdout, result.lastResponse.requestId);
 * ```
 */
export type WithResponse<T> = T & {
  /** The HTTP exchange behind this record: status, request id, attempts, idempotency key, replay. */
  readonly lastResponse: ResponseInfo;
};

export function attach<T extends object>(target: T, outcome: Outcome<unknown>): WithResponse<T> {
  const { status, requestId, attempts, idempotencyKey, replayed } = outcome;
  Object.defineProperty(target, "lastResponse", {
    value: { status, requestId, attempts, idempotencyKey, replayed },
    configurable: true,
    writable: true,
  });
  return target as WithResponse<T>;
}

/** Copies a record the API returned onto a handle (wire names unchanged) and records the exchange behind it:
 * what a `Sandbox` or `Volume` does when it is made and when it is refreshed. */
export function adopt(handle: object, record: object, outcome: Outcome<unknown> | undefined): void {
  Object.assign(handle, record);
  if (outcome) attach(handle, outcome);
}

/**
 * The result of one call through the SDK's transport: the decoded body with the final response's status
 * and headers, and the attempts behind it. Methods hand out its summary as `lastResponse` (a
 * `ResponseInfo`); the full type is exported for code that wraps or stubs the transport.
 *
 * @example
 * ```ts
 * const outcome: Outcome<HealthResponse> = {
 *   data: { status: "ok" },
 *   status: 200,
 *   headers: new Headers({ "x-request-id": "req_8f2c" }),
 *   requestId: "req_8f2c",
 *   attempts: 1,
 *   idempotencyKey: undefined,
 *   replayed: false,
 * };
 * ```
 */
export interface Outcome<T = unknown> {
  /** The decoded body of the final response. */
  data: T;
  /** HTTP status of the final response. */
  status: number;
  /** Headers of the final response. */
  headers: Headers;
  /** The `X-Request-Id` the API answered with. */
  requestId: string | undefined;
  /** Attempts made, 1 when the first one succeeded. */
  attempts: number;
  /** The Idempotency-Key sent on every attempt of a create. */
  idempotencyKey: string | undefined;
  /** True when the server answered with a stored response for this key (`Idempotent-Replayed`). */
  replayed: boolean;
}
