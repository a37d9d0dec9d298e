// Volumes and their files: create a volume, write files through the SDK, mount it into a sandbox that
// reads and writes it too, then list, search, read a byte range, stream, move, and clean up.
//
//   npm run build && node examples/volumes-and-files.mjs
//
// Runs against the API in PORTER_SANDBOX_BASE_URL (or PORTER_CLUSTER_ID + PORTER_SANDBOX_API_KEY) when
// set, else against a local server started in this process (commands then run on this machine).
import { ConflictError, Porter } from "porter-sandbox";
import { startLocalServer } from "porter-sandbox/local";

const local =
  process.env.PORTER_SANDBOX_BASE_URL || process.env.PORTER_CLUSTER_ID
    ? undefined
    : await startLocalServer({ quiet: true });
const porter = new Porter(local ? { baseUrl: local.url } : {});

const volume = await porter.volumes.create({ name: `example-data-${Date.now().toString(36)}` });
let sandbox;
try {
  await volume.waitUntilReady();
  console.log(`volume ${volume.name} is ${volume.phase}`);

  await volume.writeText("notes/hello.txt", "hello from the SDK\n"); // atomic; creates notes/
  const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i % 256);
  await volume.writeFile("blobs/data.bin", bytes);

  sandbox = await porter.sandboxes.create({
    image: "alpine:3.20",
    command: ["sleep", "infinity"],
    ttl_seconds: 600,
    volume_mounts: { "/data": volume.id },
  });
  await sandbox.waitUntilRunning();
  // On Porter the volume is at /data; the local server mounts it inside the sandbox's working directory
  // (./data), hence the `cd`.
  const shout = await sandbox.exec([
    "sh",
    "-c",
    "cd /data 2>/dev/null || cd data && tr a-z A-Z < notes/hello.txt > notes/shout.txt",
  ]);
  console.log(`exec in ${sandbox.name} exited ${shout.exit_code}`);
  console.log(`written by the sandbox: ${(await volume.readText("notes/shout.txt")).trim()}`);

  const listing = await volume.listdir("notes");
  console.log(
    `listdir notes: ${listing.entries
      .map((e) => `${e.name} (${e.size_bytes} B)`)
      .sort()
      .join(", ")}`,
  );

  const tree = [];
  for await (const entry of volume.iterdir()) tree.push(`${entry.path}${entry.type === "directory" ? "/" : ""}`);
  console.log(`iterdir: ${tree.sort().join(" ")}`);

  const found = await volume.search("SHOUT", "notes"); // case-insensitive, the whole tree under notes
  console.log(`search "SHOUT" in notes: ${found.entries.map((e) => e.name).join(", ")}`);

  console.log(`first 5 bytes as text: ${await volume.readText("notes/hello.txt", { offset: 0, length: 5 })}`);

  let chunks = 0;
  let total = 0;
  let sum = 0;
  for await (const chunk of volume.stream("blobs/data.bin", { chunkBytes: 4096 })) {
    chunks += 1;
    total += chunk.byteLength;
    for (const b of chunk) sum += b;
  }
  console.log(`streamed blobs/data.bin: ${total} bytes in ${chunks} chunks, byte sum ${sum}`);

  await volume.moveFile("notes/shout.txt", "notes/archived.txt");
  await volume.writeText("notes/shout.txt", "a new file where the old one was\n");
  try {
    await volume.moveFile("notes/shout.txt", "notes/archived.txt"); // never overwrites
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    console.log(`moving onto an existing file: ${error.constructor.name} (${error.code})`);
  }
  const after = await volume.listdir("notes");
  console.log(
    `notes after the moves: ${after.entries
      .map((e) => e.name)
      .sort()
      .join(", ")}`,
  );
} finally {
  // A volume mounted by a sandbox that has not ended cannot be deleted: wait for the end, not only the terminate.
  if (sandbox) await (await sandbox.terminate()).waitUntilEnded();
  await volume.delete();
  console.log(`cleaned up: sandbox ${sandbox?.phase ?? "never created"}, volume deleted`);
  porter.close();
  await local?.close();
}
