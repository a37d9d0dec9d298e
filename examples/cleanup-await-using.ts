// Cleanup with `await using`: a sandbox is terminated, and a client closed, when the scope holding it
// ends, whether by return, by exception or by break. No try/finally to forget.
//
//   Node 24+:  npm run build && node examples/cleanup-await-using.ts   (types are stripped; `await using` is native)
//   Node 20:   compile it first: tsc or a bundler with target ES2022 lowers `await using` (Node 20 lacks it)
//
// Runs against the API in PORTER_SANDBOX_BASE_URL (or PORTER_CLUSTER_ID + PORTER_SANDBOX_API_KEY) when
// set, else against a local server started in this process (commands then run on this machine).
import { Porter } from "porter-sandbox";
import { startLocalServer } from "porter-sandbox/local";

const useLocal = !(process.env.PORTER_SANDBOX_BASE_URL || process.env.PORTER_CLUSTER_ID);
// The local server is disposable too: stopped (its processes killed, its state removed) at the end.
await using local = useLocal ? await startLocalServer({ quiet: true }) : undefined;
const created: string[] = [];

async function countWords(porter: Porter, text: string): Promise<number> {
  await using sandbox = await porter.sandboxes.create({
    image: "alpine:3.20",
    command: ["sleep", "infinity"],
    ttl_seconds: 300,
  });
  created.push(sandbox.id);
  await sandbox.waitUntilRunning();
  const result = await sandbox.exec(["sh", "-c", 'printf "%s" "$1" | wc -w', "sh", text]);
  return Number(result.stdout.trim());
} // the sandbox is terminated here, after the return value is computed

async function failingJob(porter: Porter): Promise<void> {
  await using sandbox = await porter.sandboxes.create({
    image: "alpine:3.20",
    command: ["sleep", "infinity"],
    ttl_seconds: 300,
  });
  created.push(sandbox.id);
  await sandbox.waitUntilRunning();
  throw new Error(`the job in ${sandbox.id} failed`);
} // terminated here too, before the error reaches the caller

{
  await using porter = new Porter(local ? { baseUrl: local.url } : {}); // closed at the end of this block

  console.log(`words: ${await countWords(porter, "the quick brown fox jumps")}`);
  try {
    await failingJob(porter);
  } catch (error) {
    console.log(`caught: ${(error as Error).message}`);
  }

  // Each sandbox ended with the scope that held it.
  for (const id of created) console.log(`${id}: ${(await porter.sandboxes.get(id)).phase}`);
}
