// Failures injected on purpose (see FaultOptions): latency, error statuses by rate, and creates
// whose answer is lost after they were committed.
import { ApiError, codeFor } from "./http.js";
import type { OperationId, ResolvedOptions } from "./options.js";

type Faults = ResolvedOptions["faults"];

const applies = (faults: Faults, op: OperationId) => !faults.operations || faults.operations.includes(op);

export async function delay(faults: Faults, op: OperationId): Promise<void> {
  if (faults.latencyMs && applies(faults, op)) await new Promise((r) => setTimeout(r, faults.latencyMs));
}

const MESSAGES: Record<number, string> = {
  429: "rate limit exceeded, retry later",
  500: "internal server error",
  502: "bad gateway",
  503: "service unavailable",
  504: "gateway timeout",
};

/** The error to answer instead of handling the request, when one is drawn. One draw per request. */
export function injectedError(faults: Faults, op: OperationId): ApiError | undefined {
  const rates = Object.entries(faults.statusRates ?? {});
  if (rates.length === 0 || !applies(faults, op)) return undefined;
  const draw = faults.random();
  let total = 0;
  for (const [status, rate] of rates.sort(([a], [b]) => Number(a) - Number(b))) {
    // Rounded, so that rates 0.1 + 0.2 cover exactly [0, 0.3).
    total = Math.round((total + rate) * 1e12) / 1e12;
    if (draw >= total) continue;
    const code = Number(status);
    const headers: Record<string, string> = {};
    // The statuses with which a server says when to come back.
    const saysWhenToRetry = code === 429 || code === 503;
    if (saysWhenToRetry && faults.retryAfterMs !== undefined) {
      headers["retry-after"] = String(Math.ceil(faults.retryAfterMs / 1000));
      headers["retry-after-ms"] = String(faults.retryAfterMs);
    }
    return new ApiError(code, `${MESSAGES[code] ?? `error ${code}`} (injected fault)`, codeFor(code), headers);
  }
  return undefined;
}

const CREATES: readonly OperationId[] = ["createSandbox", "createVolume"];

/** Whether to drop the connection after this create was committed. */
export function dropAfterCommit(faults: Faults, op: OperationId): boolean {
  return (
    CREATES.includes(op) &&
    !!faults.dropAfterCommitRate &&
    applies(faults, op) &&
    faults.random() < faults.dropAfterCommitRate
  );
}
