// Checks requests against the spec's request schemas (generated/request-rules.ts) with zod's JSON
// Schema converter: an implementation independent of the SDK's own validator (src/internal/validate.ts).
// `x-` keywords are annotations to zod, so they are stripped; `x-rule` phrases the message of a
// failed pattern, and hand-checks.ts covers what zod cannot check as JSON Schema means it.
import { z } from "zod";
import { operations, schemas } from "../../generated/request-rules.js";
import { handChecks, label, resolve, type Schema } from "./hand-checks.js";
import { badRequest } from "./http.js";
import type { OperationId } from "./options.js";

type Part = "path" | "query" | "header" | "body";

const ruleByPattern = new Map<string, string>();

// Rewrites `$ref: "Name"` to `#/$defs/Name`, drops `x-` keywords and the string lengths (checked in
// hand-checks.ts), and remembers each pattern's x-rule.
function toDraft(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toDraft);
  if (value === null || typeof value !== "object") return value;
  const schema = value as Schema;
  if (typeof schema.pattern === "string" && typeof schema["x-rule"] === "string") {
    ruleByPattern.set(String(new RegExp(schema.pattern)), schema["x-rule"]);
  }
  const out: Schema = {};
  for (const [key, v] of Object.entries(schema)) {
    if (key.startsWith("x-") || key === "minLength" || key === "maxLength") continue;
    out[key] = key === "$ref" && typeof v === "string" ? `#/$defs/${v}` : toDraft(v);
  }
  return out;
}

const defs = toDraft(schemas);
const compiled = new Map<string, z.ZodType>();

export function ruleOf(op: OperationId, part: Part): Schema | undefined {
  return (operations[op] as Record<string, unknown>)[part] as Schema | undefined;
}

function zodFor(op: OperationId, part: Part): z.ZodType | undefined {
  const key = `${op}.${part}`;
  if (!compiled.has(key)) {
    const schema = ruleOf(op, part);
    if (!schema) return undefined;
    compiled.set(
      key,
      z.fromJSONSchema({ ...(toDraft(schema) as object), $defs: defs } as never, { registry: z.registry() }),
    );
  }
  return compiled.get(key);
}

function coerce(type: unknown, text: string): unknown {
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (type === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}

/** The declared query parameters as typed values: arrays from repeated keys, numbers, booleans. */
export function queryInput(op: OperationId, params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = (ruleOf(op, "query")?.properties ?? {}) as Record<string, Schema>;
  for (const [name, declared] of Object.entries(properties)) {
    const values = params.getAll(name);
    if (values.length === 0) continue;
    const schema = resolve(declared)!;
    out[name] =
      schema.type === "array"
        ? values.map((v) => coerce(resolve(schema.items as Schema)?.type, v))
        : coerce(schema.type, values[0]!);
  }
  return out;
}

/** The declared header parameters, under their spec spelling. */
export function headerInput(
  op: OperationId,
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys((ruleOf(op, "header")?.properties ?? {}) as object)) {
    const value = headers[name.toLowerCase()];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

const at = (value: unknown, path: PropertyKey[]) =>
  path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    value,
  );

function describe(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === "invalid_key") return `key ${issue.issues.map((i) => describe(i, "")).join(", ")}`;
  if (issue.code === "invalid_format" && issue.format === "regex") {
    const rule = ruleByPattern.get((issue as { pattern?: string }).pattern ?? "");
    if (rule) return `must be ${rule}`;
  }
  if (issue.code === "invalid_type" && at(value, issue.path) === undefined) return "is required";
  return issue.message;
}

/** Throws a 400 naming every broken rule of this part of the request; returns the parsed value. */
export function check(op: OperationId, part: Part, value: unknown): unknown {
  const schema = zodFor(op, part);
  if (!schema) return value;
  // Every JSON request body of the spec is required (scripts/codegen.mjs refuses an optional one).
  if (part === "body" && value === undefined) {
    throw badRequest("invalid request: a JSON request body is required");
  }
  const result = schema.safeParse(value);
  const problems = result.success
    ? []
    : result.error.issues.flatMap((i) =>
        i.code === "unrecognized_keys"
          ? i.keys.map((k) => `${label([...i.path, k])}: is not a known field`)
          : [`${label(i.path) || part}: ${describe(i, value)}`],
      );
  handChecks(ruleOf(op, part), value, [], problems, part);
  if (problems.length) throw badRequest(`invalid request: ${problems.join("; ")}`);
  return value;
}
