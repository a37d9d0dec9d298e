// What the SDK learned from the HTTP exchange behind a result: attached to every returned object as a
// non-enumerable `lastResponse` (as Stripe's SDK does), so records still print and serialise as the
// API's data alone.
import type { Outcome } from "./transport.js";

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

export type WithResponse<T> = T & { readonly lastResponse: ResponseInfo };

export function attach<T extends object>(target: T, outcome: Outcome<unknown>): WithResponse<T> {
  const { status, requestId, attempts, idempotencyKey, replayed } = outcome;
  Object.defineProperty(target, "lastResponse", {
    value: { status, requestId, attempts, idempotencyKey, replayed },
    configurable: true,
    writable: true,
  });
  return target as WithResponse<T>;
}
