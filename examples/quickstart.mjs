// `npm run demo`: starts the local Porter Sandbox API in this process and runs a quickstart through
// the SDK. No credentials, no network. Commands run on this machine, without isolation.
import { Porter } from "porter-sandbox";
import { startLocalServer } from "porter-sandbox/local";

const began = performance.now();
const server = await startLocalServer({ quiet: true });
console.log(`Local Porter Sandbox API on ${server.url}`);
console.log("(sandbox commands run directly on this machine, without isolation; all state is removed at the end)\n");

const porter = new Porter({ baseUrl: server.url });
const step = (n, text) => console.log(`${n}. ${text}`);
const indent = (text) =>
  text
    .trimEnd()
    .split("\n")
    .map((line) => `     ${line}`)
    .join("\n");

try {
  const sandbox = await porter.sandboxes.create({
    image: "alpine:3.20",
    name: "quickstart",
    command: ["sleep", "infinity"],
    tags: { demo: "quickstart" },
    ttl_seconds: 600,
  });
  await sandbox.waitUntilRunning();
  step(1, `created sandbox ${sandbox.name} (${sandbox.id}), now ${sandbox.phase}`);

  const result = await sandbox.exec([
    "sh",
    "-c",
    'echo "hello from $(uname -s), 6 x 7 = $((6 * 7))"; echo "a line on stderr" >&2',
  ]);
  step(2, `exec exited ${result.exit_code}; stdout and stderr:`);
  console.log(indent(result.stdout + result.stderr));

  const logs = await sandbox.logs({ since: "5m" });
  step(3, `logs (${logs.length} lines):`);
  console.log(indent(logs.map((l) => `${l.timestamp}  ${l.level.padEnd(5)}  ${l.line}`).join("\n")));

  const volume = await porter.volumes.create({ name: "quickstart-data" });
  const worker = await porter.sandboxes.create({
    image: "alpine:3.20",
    name: "quickstart-worker",
    command: ["sleep", "infinity"],
    tags: { demo: "quickstart" },
    volume_mounts: { "/data": volume.id },
  });
  await worker.waitUntilRunning();
  step(4, `mounted volume ${volume.name} at /data in sandbox ${worker.name}`);

  // Locally, a mount path appears inside the sandbox's working directory: /data is ./data.
  await volume.writeText("notes/hello.txt", "written through the API\n");
  const cat = await worker.exec(["cat", "data/notes/hello.txt"]);
  step(5, `wrote notes/hello.txt through the API; cat inside the sandbox prints: ${cat.stdout.trim()}`);
  await worker.exec(["sh", "-c", "echo 'written inside the sandbox' > data/notes/reply.txt"]);
  const reply = await volume.readText("notes/reply.txt");
  console.log(`     and reading notes/reply.txt back through the API gives: ${reply.trim()}`);

  const tagged = await porter.sandboxes.list({ tags: { demo: "quickstart" } });
  step(6, `sandboxes tagged demo=quickstart: ${tagged.map((s) => `${s.name} (${s.phase})`).join(", ")}`);

  await sandbox.terminate();
  // The volume can be deleted once the sandbox mounting it has ended, which on a cluster takes a moment.
  await (await worker.terminate()).waitUntilEnded();
  await volume.delete();
  step(7, `terminated: ${sandbox.name} is ${sandbox.phase}, ${worker.name} is ${worker.phase}; volume deleted`);
} finally {
  porter.close();
  await server.close();
}
console.log(
  `\nDone in ${Math.round(performance.now() - began)} ms; the local server is stopped and its state removed.`,
);
