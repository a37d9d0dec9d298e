// Maps a method and path to an operation of the spec, using the routes in generated/request-rules.ts.
import { operations } from "../../generated/request-rules.js";
import { ApiError, badRequest, notFound } from "./http.js";
import type { OperationId } from "./options.js";

interface Route {
  op: OperationId;
  method: string;
  pattern: RegExp;
  params: string[];
}

// Literal routes first, so that `/v1/sandbox/lookup` is never taken for the sandbox id "lookup".
const ROUTES: Route[] = (Object.entries(operations) as [OperationId, { method: string; route: string }][])
  .map(([op, rule]) => ({
    op,
    method: rule.method,
    params: [...rule.route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
    pattern: new RegExp(`^${rule.route.replace(/\{\w+\}/g, "([^/]+)")}$`),
  }))
  .sort((a, b) => a.params.length - b.params.length);

export function route(method: string, pathname: string): { op: OperationId; params: Record<string, string> } {
  let allowed: string[] = [];
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    if (r.method !== method) {
      allowed.push(r.method);
      continue;
    }
    const params: Record<string, string> = {};
    r.params.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(m[i + 1]!);
      } catch {
        throw badRequest(`invalid request: ${name}: malformed percent-encoding`);
      }
    });
    return { op: r.op, params };
  }
  allowed = [...new Set(allowed)];
  if (allowed.length)
    throw new ApiError(405, `method ${method} is not allowed on ${pathname}`, "invalid_request", {
      allow: allowed.join(", "),
    });
  throw notFound(`no endpoint ${method} ${pathname}`);
}
