// The rules of the request schemas that zod's JSON Schema converter cannot check as JSON Schema means
// them, checked here by walking the schema alongside the value:
// - `x-max-bytes`: the UTF-8 bytes of an object's keys and values together (the spec's extension);
// - `minLength`/`maxLength`: JSON Schema counts characters (code points); zod counts UTF-16 units, so
//   these keywords are taken out of what zod sees (validation.ts) and counted here.
import { schemas } from "../../generated/request-rules.js";

export type Schema = { [key: string]: unknown };

export const resolve = (schema: Schema | undefined): Schema | undefined =>
  typeof schema?.$ref === "string" ? resolve(schemas[schema.$ref] as Schema) : schema;

/** `tags["team"]`, `command[0]`, `networking[0].port`: where in the input a rule broke. */
export const label = (path: PropertyKey[]) => path.reduce<string>(labelStep, "");

// A key written after a dot; any other is quoted in brackets.
const IDENTIFIER = /^[A-Za-z_]\w*$/;

/** `at` one key deeper: an index in brackets, an identifier after a dot (alone at the start), any
 * other key quoted in brackets. */
function labelStep(at: string, key: PropertyKey): string {
  if (typeof key === "number") return `${at}[${key}]`;
  const name = String(key);
  if (!IDENTIFIER.test(name)) return `${at}[${JSON.stringify(name)}]`;
  return at ? `${at}.${name}` : name;
}

const utf8 = new TextEncoder();

function length(schema: Schema, text: string, where: string, out: string[]): void {
  const n = [...text].length;
  if (typeof schema.minLength === "number" && n < schema.minLength)
    out.push(`${where}: must be at least ${schema.minLength} character${schema.minLength === 1 ? "" : "s"}`);
  if (typeof schema.maxLength === "number" && n > schema.maxLength)
    out.push(`${where}: must be at most ${schema.maxLength} characters`);
}

export function handChecks(
  schema: Schema | undefined,
  value: unknown,
  path: PropertyKey[],
  out: string[],
  part: string,
): void {
  const s = resolve(schema);
  if (!s) return;
  if (typeof value === "string") return length(s, value, label(path) || part, out);
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => handChecks(s.items as Schema, item, [...path, i], out, part));
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const limit = s["x-max-bytes"];
  if (typeof limit === "number") {
    const bytes = entries.reduce((n, [k, v]) => n + utf8.encode(k).length + utf8.encode(String(v)).length, 0);
    if (bytes > limit)
      out.push(`${label(path) || part}: must total at most ${limit} bytes of keys and values (has ${bytes})`);
  }
  const names = resolve(s.propertyNames as Schema | undefined);
  const properties = (s.properties ?? {}) as Record<string, Schema>;
  const extra = typeof s.additionalProperties === "object" ? (s.additionalProperties as Schema) : undefined;
  for (const [k, v] of entries) {
    if (names) length(names, k, `${label([...path, k])}: key`, out);
    handChecks(properties[k] ?? extra, v, [...path, k], out, part);
  }
}
