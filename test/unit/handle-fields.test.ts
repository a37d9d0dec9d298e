// A Sandbox handle's `tags` and `phase` as the seed's property table gives them: null when the API
// leaves them out, never undefined, and a refresh that no longer reports tags clears the old ones.
import { afterEach, beforeEach, expect, test } from "vitest";
import { Porter } from "../../src/index.js";
import { json, startServer, type TestServer } from "../helpers/http.js";
import { statusRecord } from "../helpers/records.js";

let s: TestServer;
let porter: Porter;
const record = statusRecord;

beforeEach(async () => {
  s = await startServer();
  porter = new Porter({ baseUrl: s.url, retryDelayMs: 1 });
});
afterEach(async () => {
  porter.close();
  await s.close();
});

test("a sandbox without tags has tags null, not undefined; its JSON is the record as sent, without tags", async () => {
  s.handle((_req, res) => json(res, 200, record()));
  const sandbox = await porter.sandboxes.get("sbx_1");
  expect(sandbox.tags).toBeNull();
  expect(sandbox.phase).toBe("running");
  expect(JSON.parse(JSON.stringify(sandbox))).toStrictEqual(record());
});

test("tags the API reports are the handle's; a refresh that reports none sets them to null", async () => {
  let tags: Record<string, string> | undefined = { app: "web" };
  s.handle((_req, res) => json(res, 200, record(tags ? { tags } : {})));
  const sandbox = await porter.sandboxes.get("sbx_1");
  expect(sandbox.tags).toEqual({ app: "web" });
  tags = undefined;
  const refreshed = await sandbox.refresh();
  expect(refreshed.tags).toBeUndefined();
  expect(sandbox.tags).toBeNull();
});

test("a record the API sent without a phase leaves the handle's phase null", async () => {
  const { phase: _omitted, ...withoutPhase } = record();
  s.handle((_req, res) => json(res, 200, withoutPhase));
  const sandbox = await porter.sandboxes.get("sbx_1");
  expect(sandbox.phase).toBeNull();
});
