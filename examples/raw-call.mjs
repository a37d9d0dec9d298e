// A raw call: `porter.raw` is the typed client for every endpoint of the spec, here the snapshot
// endpoints. It sends through the same transport (retries,
// timeouts, idempotency keys), and answers `{ data, error, response }` instead of throwing on 4xx/5xx.
//
//   npm run build && node examples/raw-call.mjs
//
// Runs against the API in PORTER_SANDBOX_BASE_URL (or PORTER_CLUSTER_ID + PORTER_SANDBOX_API_KEY) when
// set, else against a local server started in this process (commands then run on this machine).
import { Porter } from "porter-sandbox";
import { startLocalServer } from "porter-sandbox/local";

const local =
  process.env.PORTER_SANDBOX_BASE_URL || process.env.PORTER_CLUSTER_ID
    ? undefined
    : await startLocalServer({ quiet: true });
const porter = new Porter(local ? { baseUrl: local.url } : {});

const sandbox = await porter.sandboxes.create({
  image: "alpine:3.20",
  command: ["sleep", "infinity"],
  ttl_seconds: 600,
});
try {
  await sandbox.waitUntilRunning();
  await sandbox.exec(["sh", "-c", "echo state worth keeping > state.txt"]);

  // POST /v1/sandbox/{id}/snapshot: path parameters and body are typed from the spec ({} = the defaults).
  // (porter.snapshots wraps these endpoints; the raw client reaches every endpoint of the spec the same way.)
  const created = await porter.raw.POST("/v1/sandbox/{id}/snapshot", {
    params: { path: { id: sandbox.id } },
    body: {},
  });
  if (created.error) throw new Error(`snapshot failed: ${created.response.status}: ${created.error.error}`);
  console.log(
    `snapshot ${created.data.id} (${created.data.mode}) is ${created.data.status}, status ${created.response.status}`,
  );

  // GET /v1/snapshot?sandbox_id=…: poll until the capture is ready (or failed).
  let snapshot;
  for (let i = 0; i < 100; i++) {
    const { data, error } = await porter.raw.GET("/v1/snapshot", { params: { query: { sandbox_id: sandbox.id } } });
    if (error) throw new Error(`list failed: ${error.error}`);
    snapshot = data.snapshots.find((s) => s.id === created.data.id);
    if (snapshot?.status === "ready" || snapshot?.status === "failed") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`snapshot ${snapshot.id} is ${snapshot.status}`);

  // A 4xx is an answer, not an exception: an unknown snapshot is a 404.
  const missing = await porter.raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: "snap_missing" } } });
  console.log(
    `an unknown snapshot: ${missing.response.status} ${missing.error?.error ? "with a message" : "without a message"}`,
  );

  // DELETE /v1/snapshot/{id}, then it is gone from the list.
  const deleted = await porter.raw.DELETE("/v1/snapshot/{id}", { params: { path: { id: snapshot.id } } });
  const after = await porter.raw.GET("/v1/snapshot", { params: { query: { sandbox_id: sandbox.id } } });
  console.log(
    `deleted: ${deleted.response.status}; snapshots of ${sandbox.name} left: ${after.data?.snapshots.length}`,
  );
} finally {
  await sandbox.terminate();
  porter.close();
  await local?.close();
}
