// Exec into a running sandbox, and reading its logs.
import type { Handler } from "./handler.js";
import { badRequest, conflict } from "./http.js";
import { newId } from "./ids.js";
import { parseSince } from "./logs.js";
import { pruneGroups, run } from "./processes.js";

export const execSandbox: Handler = async ({ store, input }) => {
  const { command } = input.body as { command: string[] };
  // Porter states no rule for it; there is nothing to run without a program.
  if (command.length === 0) throw badRequest("invalid request: command: must name the program to run");
  const s = store.sandbox(input.path.id!);
  if (s.phase !== "running") throw conflict(`sandbox ${s.id} is not running (phase ${s.phase})`);
  const exec = run(command, { cwd: s.workdir, env: s.env, log: s.log, execId: newId("exec"), capture: true });
  if (exec.child?.pid !== undefined) s.groups.add(exec.child.pid);
  const result = await exec.done;
  pruneGroups(s.groups);
  return { status: 200, json: result };
};

export const getSandboxLogs: Handler = ({ store, input }) => {
  const since = parseSince(input.query.since as string | undefined);
  const s = store.sandbox(input.path.id!);
  const logs = s.log.read(since, (input.query.limit as number | undefined) ?? 0);
  return { status: 200, json: { sandbox_id: s.id, logs } };
};
