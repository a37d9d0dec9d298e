// docs/porter-api.md compares the spec with Porter's published API, schema by schema and operation by
// operation. It must not go stale silently: every schema in components.schemas and every operationId of the
// spec is named on that page as inline code. Inline code, not a bare word, so that `Snapshot` is not taken as
// mentioned because `SnapshotSpec` is, and `Name` not because the prose says "name".
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { root } from "../helpers/run.js";

interface Spec {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
}

const spec = parse(readFileSync(path.join(root, "openapi/porter-sandbox.yaml"), "utf8")) as Spec;
const doc = readFileSync(path.join(root, "docs/porter-api.md"), "utf8");

const schemaNames = Object.keys(spec.components.schemas);

// A path item also holds `parameters` and `summary`; only the HTTP methods are operations.
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
const operationIds = Object.values(spec.paths).flatMap((item) =>
  METHODS.flatMap((method) => {
    const id = (item[method] as { operationId?: string } | undefined)?.operationId;
    return id === undefined ? [] : [id];
  }),
);

/** The names `text` never shows as inline code (`Name`). */
function unmentioned(text: string, names: string[]): string[] {
  return names.filter((name) => !text.includes(`\`${name}\``));
}

describe("docs/porter-api.md names everything the spec defines", () => {
  test("every schema in components.schemas", () => {
    // The spec was read: the schemas Porter's models map to are there.
    expect(schemaNames).toEqual(
      expect.arrayContaining(["SandboxSpec", "StatusResponse", "Snapshot", "VolumeFileMoveRequest"]),
    );
    expect(unmentioned(doc, schemaNames)).toEqual([]);
  });

  test("every operationId", () => {
    expect(operationIds).toEqual(expect.arrayContaining(["createSandbox", "terminateSandbox", "moveVolumeFile"]));
    // Each operation is counted once, so a duplicate id in the spec would show here too.
    expect(new Set(operationIds).size).toBe(operationIds.length);
    expect(unmentioned(doc, operationIds)).toEqual([]);
  });

  test("a schema or operationId whose mention is removed is reported, even when a longer name contains it", () => {
    const withoutSnapshot = doc.replaceAll("`Snapshot`", "Snapshot");
    // `SnapshotSpec` and `SnapshotListResponse` are still there and must not count for `Snapshot`.
    expect(withoutSnapshot).toContain("`SnapshotSpec`");
    expect(unmentioned(withoutSnapshot, schemaNames)).toEqual(["Snapshot"]);

    const withoutCreate = doc.replaceAll("`createSnapshot`", "create snapshot");
    expect(unmentioned(withoutCreate, operationIds)).toEqual(["createSnapshot"]);
  });
});
