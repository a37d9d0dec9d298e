// The spec, read for the contract suite: every operation with its route, parameters and declared
// responses (with their named examples), `$ref`s resolved. The suite is driven from this, so a newly
// declared operation, status or example is covered (or fails for want of a driver) without editing a test.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

export const specPath = path.resolve(import.meta.dirname, "../../openapi/porter-sandbox.yaml");

type Node = Record<string, any>;
const doc: Node = parse(readFileSync(specPath, "utf8"));

/** Follows a local `$ref` (`#/components/...`) until the node is not a reference. */
function deref(node: Node): Node {
  let seen = 0;
  while (node && typeof node.$ref === "string") {
    if (++seen > 20) throw new Error(`$ref cycle at ${node.$ref}`);
    const ref: string = node.$ref;
    if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported: ${ref}`);
    node = ref
      .slice(2)
      .split("/")
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce<Node>((n, key) => n?.[key], doc);
    if (node === undefined) throw new Error(`dangling $ref ${ref}`);
  }
  return node;
}

export interface SpecExample {
  name: string;
  value: unknown;
}

export interface SpecResponse {
  status: number;
  /** The content type of the body, when the response has one. */
  contentType: string | undefined;
  examples: SpecExample[];
  /** Declared response headers, lower-cased. */
  headers: string[];
}

export interface SpecOperation {
  id: string;
  method: string;
  /** The route as written in the spec, e.g. `/v1/sandbox/{id}`. */
  route: string;
  /** Matches a concrete request path. */
  pattern: RegExp;
  /** How many `{params}` the route has; fewer wins when several routes match a path. */
  templated: number;
  query: string[];
  requiredQuery: string[];
  header: string[];
  requestContentType: string | undefined;
  responses: SpecResponse[];
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

function collect(): SpecOperation[] {
  const out: SpecOperation[] = [];
  for (const [route, rawItem] of Object.entries<Node>(doc.paths)) {
    const item = deref(rawItem);
    for (const method of METHODS) {
      const op: Node | undefined = item[method];
      if (!op) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
      const responses: SpecResponse[] = Object.entries<Node>(op.responses).map(([status, raw]) => {
        const res = deref(raw);
        const [contentType, media] = Object.entries<Node>(res.content ?? {})[0] ?? [undefined, undefined];
        const examples = Object.entries<Node>(media?.examples ?? {}).map(([name, ex]) => ({
          name,
          value: deref(ex).value,
        }));
        return {
          status: Number(status),
          contentType,
          examples,
          headers: Object.keys(res.headers ?? {}).map((h) => h.toLowerCase()),
        };
      });
      const templated = (route.match(/\{\w+\}/g) ?? []).length;
      const source = route.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, "[^/]+");
      out.push({
        id: op.operationId,
        method: method.toUpperCase(),
        route,
        pattern: new RegExp(`^${source}$`),
        templated,
        query: params.filter((p) => p.in === "query").map((p) => p.name),
        requiredQuery: params.filter((p) => p.in === "query" && p.required).map((p) => p.name),
        header: params.filter((p) => p.in === "header").map((p) => p.name.toLowerCase()),
        requestContentType: op.requestBody ? Object.keys(deref(op.requestBody).content ?? {})[0] : undefined,
        responses,
      });
    }
  }
  return out;
}

/** Every operation in the spec, in document order. */
export const operations: readonly SpecOperation[] = collect();

export const operationIds: readonly string[] = operations.map((o) => o.id);

export function operation(id: string): SpecOperation {
  const op = operations.find((o) => o.id === id);
  if (!op) throw new Error(`no operation ${id} in the spec`);
  return op;
}

/** The operation a request is for: method and path, literal segments winning over `{params}`. */
export function matchOperation(method: string, pathname: string): SpecOperation | undefined {
  return operations
    .filter((o) => o.method === method.toUpperCase() && o.pattern.test(pathname))
    .sort((a, b) => a.templated - b.templated)[0];
}

export const isSuccess = (status: number) => status >= 200 && status < 300;
