// Checks input against the request schemas of the spec (generated/request-rules.ts) before any
// request is sent. It interprets the small JSON Schema subset that scripts/codegen.mjs lets through;
// the rules themselves are never written here. Messages name the field and the rule, never the value
// (an env value may be a secret).
import { schemas } from "../../generated/request-rules.js";
import { ValidationError, type ValidationIssue } from "../core/errors.js";

export interface Schema {
  $ref?: string;
  type?: string;
  enum?: readonly unknown[];
  pattern?: string;
  /** What `pattern` allows, in words; codegen refuses a pattern without one. */
  "x-rule"?: string;
  "x-max-bytes"?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  required?: readonly string[];
  properties?: Readonly<Record<string, Schema>>;
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
}

// Each pattern of the spec is compiled once, when it is first checked.
const compiled = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern, "u");
    compiled.set(pattern, re);
  }
  return re;
}

const utf8 = new TextEncoder();

// JSON Schema's types: an integer is also a number; null and arrays are not objects.
function isType(value: unknown, type: string): boolean {
  if (value === null) return type === "null";
  if (Array.isArray(value)) return type === "array";
  if (type === "integer") return Number.isInteger(value);
  return typeof value === type;
}

// A JavaScript identifier: written after a dot in a path; any other key is quoted in brackets.
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Where `key` sits inside `path`, as a reader would write it: `command[0]`, `tags.team`, `tags["a-b"]`. */
function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (!path) return key;
  if (IDENTIFIER.test(key)) return `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** A JSON Schema type in words: "a whole number", "an object", "a string". */
function typeInWords(type: string): string {
  if (type === "integer") return "a whole number";
  const article = /^[aeiou]/.test(type) ? "an" : "a";
  return `${article} ${type}`;
}

// Code points, as JSON Schema counts them; the spread is only needed when there are surrogate pairs.
const chars = (s: string) => (/[\uD800-\uDFFF]/.test(s) ? [...s].length : s.length);

export function check(schema: Schema, value: unknown, path: string, issues: ValidationIssue[]): void {
  if (schema.$ref) return check(schemas[schema.$ref] as Schema, value, path, issues);
  const add = (message: string, at = path): void => void issues.push({ path: at, message });
  const wanted = schema.type;
  if (wanted !== undefined && !isType(value, wanted)) return add(`must be ${typeInWords(wanted)}`);
  if (schema.enum && !schema.enum.includes(value))
    return add(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  if (typeof value === "string") {
    // An empty string is reported as empty only: that it also breaks the pattern says nothing more.
    // The only lower bound codegen lets through is 1.
    if (schema.minLength !== undefined && chars(value) < schema.minLength) return add("must not be empty");
    if (schema.maxLength !== undefined && chars(value) > schema.maxLength)
      add(`must be at most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) add(`must be ${schema["x-rule"]}`);
  } else if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) add(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) add(`must be at most ${schema.maximum}`);
  } else if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) add("must not be empty");
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      add(`must have at most ${schema.maxItems} item${schema.maxItems === 1 ? "" : "s"}`);
    if (schema.items) value.forEach((item, i) => check(schema.items!, item, join(path, i), issues));
  } else if (value !== null && typeof value === "object") {
    checkObject(schema, value as Record<string, unknown>, path, issues, add);
  }
}

function checkObject(
  schema: Schema,
  value: Record<string, unknown>,
  path: string,
  issues: ValidationIssue[],
  add: (message: string, at?: string) => void,
): void {
  const keys = Object.keys(value).filter((k) => value[k] !== undefined);
  for (const key of schema.required ?? []) {
    if (value[key] === undefined) add("is required", join(path, key));
  }
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties)
    add(`must have at most ${schema.maxProperties} entries`);
  if (schema["x-max-bytes"] !== undefined) {
    const bytes = utf8Bytes(value, keys);
    if (bytes > schema["x-max-bytes"])
      add(`must total at most ${schema["x-max-bytes"]} bytes of keys and values (has ${bytes})`);
  }
  for (const key of keys) {
    const at = join(path, key);
    if (schema.propertyNames) {
      const keyIssues: ValidationIssue[] = [];
      check(schema.propertyNames, key, at, keyIssues);
      for (const issue of keyIssues) add(`key ${issue.message}`, at);
    }
    const declared = declaredField(schema, key);
    if (declared) check(declared, value[key], at, issues);
    else if (schema.additionalProperties === false) add(unknownField(key, schema), at);
    else if (typeof schema.additionalProperties === "object")
      check(schema.additionalProperties, value[key], at, issues);
  }
}

/** The schema of a field the object schema declares. Own properties only: "constructor" or "toString"
 * must not pass for declared fields. */
function declaredField(schema: Schema, key: string): Schema | undefined {
  const properties = schema.properties ?? {};
  return Object.hasOwn(properties, key) ? properties[key] : undefined;
}

/** Bytes of a map's keys and values in UTF-8, as `x-max-bytes` counts them. */
function utf8Bytes(map: Record<string, unknown>, keys: readonly string[]): number {
  let total = 0;
  for (const key of keys) total += utf8.encode(key).length + utf8.encode(String(map[key])).length;
  return total;
}

// A camelCase spelling of a wire field (`volumeMounts`) is the likeliest typo; say which was meant.
function unknownField(key: string, schema: Schema): string {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const meantSnakeCase = snake !== key && declaredField(schema, snake) !== undefined;
  const hint = meantSnakeCase ? ` (did you mean ${snake}?)` : "";
  return `is not a known field${hint}`;
}

/** Whether `value` satisfies the spec's schema `name` (e.g. "Name": is this a name or an id?). */
export function matches(name: string, value: unknown): boolean {
  const issues: ValidationIssue[] = [];
  check({ $ref: name }, value, "", issues);
  return issues.length === 0;
}

/** Throws `ValidationError` naming every field that breaks the schema; returns the value unchanged. `path`
 * names the value itself when it is one field of the caller's input (`sandbox_id`). */
export function validate<T>(what: string, schema: Schema, value: T, path = ""): T {
  const issues: ValidationIssue[] = [];
  check(schema, value, path, issues);
  if (issues.length) throw new ValidationError(what, issues);
  return value;
}
