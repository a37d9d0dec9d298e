// A raw call: snapshots have no method on the ergonomic surface, so reach them through `porter.raw`,
// the typed client for every endpoint of the spec. It sends through the same transport (retries,
// timeouts, idempotency keys), and answers `{ data, error, response }` instead of throwing on 4xx/5xx.
//
//   npm run build && node examples/raw-call.mjs
//
// Runs against the API in PORTER_SANDBOX_BASE_URL (or PORTER_CLUSTER_ID + PORTER_SANDBOX_API_KEY) when
// set, else against a local server started in this process (commands then run on this machine).
import { Porter } from "porter-sandbox";
import { startLocalServer } from "porter-sandbox/local";

const local = process.env.PORTER_SANDBOX_BASE_URL || process.env.PORTER_CLUSTER_ID ? undefined : await startLocalServer({ quiet: true });
const porter = new Porter(local ? { baseUrl: local.url } : {});

const sandbox = await porter.sandboxes.create({ image: "alpine:3.20", command: ["sleep", "infinity"], ttl_seconds: 600 });
try {
  await sandbox.waitUntilRunning();
  await sandbox.exec(["sh", "-c", "echo state worth keeping > state.txt"]);

  // POST /v1/sandbox/{id}/snapshot: path parameters and body are typed from the spec.
  const name = `example-${Date.now().toString(36)}`;
  const created = await porter.raw.POST("/v1/sandbox/{id}/snapshot", { params: { path: { id: sandbox.id } }, body: { name } });
  if (created.error) throw new Error(`snapshot failed: ${created.response.status} ${created.error.code}: ${created.error.error}`);
  console.log(`snapshot ${created.data.name} (${created.data.id}) is ${created.data.phase}, status ${created.response.status}`);

  // GET /v1/snapshot?sandbox_id=…: poll until it is no longer pending.
  let snapshot;
  for (let i = 0; i < 100; i++) {
    const { data, error } = await porter.raw.GET("/v1/snapshot", { params: { query: { sandbox_id: sandbox.id } } });
    if (error) throw new Error(`list failed: ${error.code}`);
    snapshot = data.snapshots.find((s) => s.id === created.data.id);
    if (snapshot?.phase !== "pending") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`snapshot ${snapshot.name} is ${snapshot.phase}`);

  // A 4xx is an answer, not an exception: the same name again is a conflict.
  const again = await porter.raw.POST("/v1/sandbox/{id}/snapshot", { params: { path: { id: sandbox.id } }, body: { name } });
  console.log(`the same name again: ${again.response.status} ${again.error?.code}`);

  // DELETE /v1/snapshot/{id}, then it is gone from the list.
  const deleted = await porter.raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: snapshot.id } } });
  const after = await porter.raw.GET("/v1/snapshot", { params: { query: { sandbox_id: sandbox.id } } });
  console.log(`deleted: ${deleted.response.status}; snapshots of ${sandbox.name} left: ${after.data?.snapshots.length}`);
} finally {
  await sandbox.terminate();
  porter.close();
  await local?.close();
}
