// Exec runs argv for real in the sandbox's working dir; the main command's and every exec's output
// lands in the logs with levels and exec ids, readable with since and limit, also after the end.
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, type Sandbox } from "../../src/index.js";
import { eventually, json, useServer } from "./harness.js";

const h = useServer();
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await h.porter.sandboxes.create({
    image: "alpine",
    command: ["sh", "-c", "echo started; echo 'no config' >&2; exec sleep 60"],
    env: { WHO: "world" },
  });
  await sandbox.waitUntilRunning();
});

describe("exec", () => {
  it("captures stdout, stderr and the exit code of a real process", async () => {
    expect(await sandbox.exec(["sh", "-c", 'printf "hello %s\\n" "$WHO"; printf oops >&2'])).toEqual({
      stdout: "hello world\n",
      stderr: "oops",
      exit_code: 0,
    });
    expect((await sandbox.exec(["sh", "-c", "exit 3"])).exit_code).toBe(3);
    expect((await sandbox.exec(["false"])).exit_code).toBe(1);
  });

  it("passes argv without a shell: metacharacters arrive as plain text", async () => {
    expect((await sandbox.exec(["echo", "$WHO", "&&", "*", "; rm -rf /"])).stdout).toBe("$WHO && * ; rm -rf /\n");
  });

  it("answers a missing executable as a result with exit code 127, not an error", async () => {
    expect(await sandbox.exec(["definitely-not-installed-xyz", "arg"])).toEqual({
      stdout: "",
      stderr: 'exec: "definitely-not-installed-xyz": executable file not found in $PATH\n',
      exit_code: 127,
    });
  });

  it("reports a command killed by a signal as 128 + the signal number", async () => {
    expect((await sandbox.exec(["sh", "-c", "kill -9 $$"])).exit_code).toBe(137);
  });

  it("runs in the sandbox's own working dir, which persists between execs", async () => {
    await sandbox.exec(["sh", "-c", "echo kept > note.txt"]);
    expect((await sandbox.exec(["cat", "note.txt"])).stdout).toBe("kept\n");
    const other = await h.porter.sandboxes.create({ image: "alpine" });
    await other.waitUntilRunning();
    expect((await other.exec(["cat", "note.txt"])).exit_code).not.toBe(0);
    expect((await other.exec(["pwd"])).stdout).not.toBe((await sandbox.exec(["pwd"])).stdout);
    await other.terminate();
  });

  it("is refused with 409 unless the sandbox is running", async () => {
    const h2 = await h.porter.sandboxes.create({ image: "alpine", command: ["true"] });
    const early = await h.http(`/v1/sandbox/${h2.id}/exec`, json({ command: ["true"] }));
    // The first answer may come while it is still creating; either way it is not running.
    if (early.status === 409)
      expect((await early.json()).error).toMatch(/is not running \(phase (creating|succeeded)\)/);
    await eventually(async () => ((await h2.refresh()).phase === "succeeded" ? true : undefined));
    const err = await h2.exec(["true"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toContain(`sandbox ${h2.id} is not running (phase succeeded)`);
    expect((err as ConflictError).requestId).toMatch(/^req_/);
    await expect(h.porter.sandboxes.get("sbx_nope").then((s) => s.exec(["true"]))).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe("logs", () => {
  it("holds the main command's output (empty exec_id) and each exec's, with levels", async () => {
    const s = await h.porter.sandboxes.create({
      image: "alpine",
      command: ["sh", "-c", "echo out; echo err >&2; exec sleep 60"],
    });
    await s.waitUntilRunning();
    await eventually(async () => ((await s.logs()).length === 2 ? true : undefined));
    await s.exec(["sh", "-c", "echo one; echo two; echo bad >&2"]);
    const logs = await s.logs();
    expect(logs.map(({ line, level }) => [line, level])).toEqual([
      ["out", "info"],
      ["err", "error"],
      ["one", "info"],
      ["two", "info"],
      ["bad", "error"],
    ]);
    expect(logs.slice(0, 2).map((l) => l.exec_id)).toEqual(["", ""]);
    const execIds = new Set(logs.slice(2).map((l) => l.exec_id));
    expect(execIds.size).toBe(1);
    expect([...execIds][0]).toMatch(/^exec_[0-9a-z]{26}$/);
    for (const l of logs) expect(Date.parse(l.timestamp)).not.toBeNaN();
    await s.exec(["echo", "three"]);
    const again = await s.logs();
    expect(new Set(again.map((l) => l.exec_id)).size).toBe(3);
    await s.terminate();
  });

  it("splits output into lines, keeps a last line without newline, and drops the trailing newline", async () => {
    const s = await h.porter.sandboxes.create({ image: "alpine" });
    await s.waitUntilRunning();
    await s.exec(["printf", "a\\r\\nb\\n\\nc"]);
    expect((await s.logs()).map((l) => l.line)).toEqual(["a", "b", "", "c"]);
    await s.terminate();
  });

  it("filters with since (a duration or a timestamp) and keeps the most recent `limit` lines", async () => {
    const s = await h.porter.sandboxes.create({ image: "alpine" });
    await s.waitUntilRunning();
    await s.exec(["sh", "-c", "for i in 1 2 3 4 5; do echo old$i; done"]);
    await new Promise((r) => setTimeout(r, 400));
    const cut = new Date().toISOString();
    await s.exec(["sh", "-c", "echo new1; echo new2"]);
    expect((await s.logs({ since: cut })).map((l) => l.line)).toEqual(["new1", "new2"]);
    expect((await s.logs({ since: "300ms" })).map((l) => l.line)).toEqual(["new1", "new2"]);
    expect((await s.logs({ since: "1h" })).length).toBe(7);
    expect((await s.logs({ limit: 3 })).map((l) => l.line)).toEqual(["old5", "new1", "new2"]);
    expect((await s.logs({ limit: 0 })).length).toBe(7);
    expect((await s.logs({ since: "2999-01-01T00:00:00Z" })).length).toBe(0);
    await s.terminate();
    // Still readable after the end.
    expect((await s.logs({ limit: 2 })).map((l) => l.line)).toEqual(["new1", "new2"]);
  });

  it("answers 404 for an unknown sandbox", async () => {
    const res = await h.http("/v1/sandbox/sbx_unknown/logs");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "sandbox sbx_unknown not found", code: "not_found" });
  });
});
