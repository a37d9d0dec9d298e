// Keeps the API key out of every view of an error: its message and stack, `util.inspect` (which prints
// causes), `JSON.stringify`, and the body of an error answer. A fetch implementation may quote a header in
// its own error, and a server may echo the Authorization header in a 401's body.

const REDACTED = "[redacted]";

/**
 * `value` with every occurrence of `secret` replaced, in strings, error messages, stacks, causes, arrays
 * and plain objects at any depth. Values that do not mention the secret are returned as they are; an error
 * that does is copied (same prototype, so `instanceof` still holds) rather than changed.
 */
export function redactSecret<T>(value: T, secret: string | undefined): T {
  if (!secret || !mentions(value, secret, new Set())) return value;
  return redact(value, secret, new Map()) as T;
}

function mentions(value: unknown, secret: string, seen: Set<unknown>): boolean {
  if (typeof value === "string") return value.includes(secret);
  if (value === null || typeof value !== "object" || seen.has(value)) return false;
  seen.add(value);
  return ownValues(value).some((inner) => mentions(inner, secret, seen));
}

function redact(value: unknown, secret: string, copies: Map<unknown, unknown>): unknown {
  if (typeof value === "string") return value.split(secret).join(REDACTED);
  if (value === null || typeof value !== "object") return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  const copy = Array.isArray(value) ? [] : Object.create(Object.getPrototypeOf(value));
  copies.set(value, copy);
  for (const key of Reflect.ownKeys(value)) {
    const property = Object.getOwnPropertyDescriptor(value, key)!;
    if ("value" in property) property.value = redact(property.value, secret, copies);
    Object.defineProperty(copy, key, property);
  }
  return copy;
}

/** The values of an object's own properties (an error's `message`, `stack` and `cause` included). */
function ownValues(value: object): unknown[] {
  return Reflect.ownKeys(value).map((key) => Object.getOwnPropertyDescriptor(value, key)?.value);
}
