// Exec into a running sandbox, and reading its logs.
import type { Handler } from "./handler.js";
import { conflict } from "./http.js";
import { newId } from "./ids.js";
import { parseSince } from "./logs.js";
import { pruneGroups, run } from "./processes.js";

export const execSandbox: Handler = async ({ store, input }) => {
  const s = store.sandbox(input.path.id!);
  if (s.phase !== "running") throw conflict(`sandbox ${s.id} is not running (phase ${s.phase})`);
  const { command } = input.body as { command: string[] };
  const exec = run(command, { cwd: s.workdir, env: s.env, log: s.log, execId: newId("exec"), capture: true });
  if (exec.child?.pid !== undefined) s.groups.add(exec.child.pid);
  const result = await exec.done;
  pruneGroups(s.groups);
  return { status: 200, json: result };
};

export const getSandboxLogs: Handler = ({ store, input }) => {
  const s = store.sandbox(input.path.id!);
  const since = parseSince(input.query.since as string | undefined);
  const logs = s.log.read(since, (input.query.limit as number | undefined) ?? 0);
  return { status: 200, json: { sandbox_id: s.id, logs } };
};
