#!/usr/bin/env node
// porter-sandbox-local: starts the local Porter Sandbox API and prints how to point the SDK at it.
import { parseArgs } from "node:util";
import { exposureWarning, WARNING } from "./banner.js";
import { startLocalServer } from "./index.js";

const USAGE = `usage: porter-sandbox-local [--port N] [--host ADDRESS] [--token TOKEN]

Runs a local, stateful Porter Sandbox API for development and tests.
  --port   port to listen on (default 0: any free port)
  --host   address to bind (default 127.0.0.1; anything else exposes command execution to the network)
  --token  require "Authorization: Bearer TOKEN" on every request`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        token: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) return void console.log(USAGE);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number, not ${JSON.stringify(values.port)}\n\n${USAGE}`);
    process.exit(2);
  }
  const server = await startLocalServer({ port, host: values.host, token: values.token, quiet: true });
  console.log(`Porter Sandbox API (local) listening on ${server.url}`);
  console.log(`WARNING: ${WARNING}.`);
  const exposed = exposureWarning(values.host ?? "127.0.0.1");
  if (exposed) console.log(`WARNING: ${exposed}.`);
  console.log(`State: ${server.stateDir} (removed on exit)\n`);
  console.log("Point the SDK at it:");
  console.log(`  export PORTER_SANDBOX_BASE_URL=${server.url}`);
  if (values.token !== undefined) console.log(`  export PORTER_SANDBOX_API_KEY=${values.token}`);
  console.log("\nCtrl-C to stop.");
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`porter-sandbox-local: ${(error as Error).message}`);
  process.exit(1);
});
