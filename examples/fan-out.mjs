// Fan-out: run many independent jobs across sandboxes with Promise.all, never more than LIMIT at once,
// and every sandbox terminated whether its job succeeded or not.
//
//   npm run build && node examples/fan-out.mjs
//
// Runs against the API in PORTER_SANDBOX_BASE_URL (or PORTER_CLUSTER_ID + PORTER_SANDBOX_API_KEY) when
// set, else against a local server started in this process (commands then run on this machine).
import { Porter } from "porter-sandbox";
import { startLocalServer } from "porter-sandbox/local";

const JOBS = 8;
const LIMIT = 3;

/** Returns a function that runs `task` with at most `limit` of them in flight. */
function limiter(limit) {
  let active = 0;
  const waiting = [];
  const release = () => {
    active -= 1;
    waiting.shift()?.();
  };
  return async (task) => {
    if (active >= limit) await new Promise((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      release();
    }
  };
}

const local =
  process.env.PORTER_SANDBOX_BASE_URL || process.env.PORTER_CLUSTER_ID
    ? undefined
    : await startLocalServer({ quiet: true });
const porter = new Porter(local ? { baseUrl: local.url } : {});
const run = limiter(LIMIT);
const batch = `fan-out-${Date.now().toString(36)}`;
let inFlight = 0;
let peak = 0;

async function job(n) {
  inFlight += 1;
  peak = Math.max(peak, inFlight);
  const sandbox = await porter.sandboxes.create({
    image: "alpine:3.20",
    command: ["sleep", "infinity"],
    ttl_seconds: 300, // the platform's safety net should this process die mid-way
    tags: { batch },
  });
  try {
    await sandbox.waitUntilRunning();
    const result = await sandbox.exec(["sh", "-c", `sleep 0.1; echo $((${n} * ${n}))`]);
    if (result.exit_code !== 0) throw new Error(`job ${n} exited ${result.exit_code}: ${result.stderr}`);
    return { n, square: Number(result.stdout.trim()), sandbox: sandbox.id };
  } finally {
    await sandbox.terminate();
    inFlight -= 1;
  }
}

try {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: JOBS }, (_, n) => run(() => job(n))));
  for (const r of results) console.log(`job ${r.n}: ${r.n}^2 = ${r.square} (sandbox ${r.sandbox})`);
  console.log(
    `${results.length} jobs, at most ${peak} sandboxes at once (limit ${LIMIT}), ${Math.round(performance.now() - started)} ms`,
  );
  // Nothing of this batch is left running (the listing shows live sandboxes only, by default).
  const live = await porter.sandboxes.list({ tags: { batch } });
  console.log(`live sandboxes left in batch ${batch}: ${live.length}`);
} finally {
  porter.close();
  await local?.close();
}
