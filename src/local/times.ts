// Timestamps in query parameters.
import { badRequest } from "./http.js";

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A query parameter as epoch ms, undefined when absent. The spec's `format: date-time` is not
 * carried into the request rules, so the form is checked here. */
export function timeParam(query: Record<string, unknown>, name: string): number | undefined {
  const value = query[name] as string | undefined;
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!RFC3339.test(value) || Number.isNaN(ms))
    throw badRequest(`invalid request: ${name}: must be an RFC 3339 timestamp such as "2025-11-21T14:00:00Z"`);
  return ms;
}
