// sandbox.followLogs() against the local server, where real processes write the lines: a burst (lines
// with equal timestamps), lines over time and the end of the sandbox; and an exec's lines, which show up
// in the logs while the command runs, long before exec() returns.
import { describe, expect, it } from "vitest";
import type { LogLine } from "../../src/index.js";
import { useServer } from "./harness.js";

const h = useServer();

describe("followLogs on the local server", () => {
  it("yields every line of the main process once, in order, and ends when the sandbox does", async () => {
    const script = [
      'printf "burst 1\\nburst 2\\nburst 3\\n"',
      'for i in 1 2 3; do sleep 0.3; echo "tick $i"; done',
      'printf "last 1\\nlast 2\\n"',
    ].join("; ");
    const sandbox = await h.porter.sandboxes.create({ image: "alpine", command: ["sh", "-c", script] });
    const lines: LogLine[] = [];
    for await (const line of sandbox.followLogs({ pollIntervalMs: 250 })) lines.push(line);
    expect(lines.map((l) => l.line)).toEqual([
      "burst 1",
      "burst 2",
      "burst 3",
      "tick 1",
      "tick 2",
      "tick 3",
      "last 1",
      "last 2",
    ]);
    expect(lines.every((l) => l.exec_id === "" && l.level === "info")).toBe(true);
    expect(sandbox.phase).toBe("succeeded");
  });

  it("shows an exec's lines, with its exec_id, while the command is still running", async () => {
    const sandbox = await h.porter.sandboxes.create({ image: "alpine" });
    await sandbox.waitUntilRunning();
    let execReturned = false;
    const run = sandbox.exec(["sh", "-c", "echo one; sleep 2; echo two"]).then((result) => {
      execReturned = true;
      return result;
    });
    const seen: { line: string; execReturned: boolean; exec_id: string }[] = [];
    for await (const { line, exec_id } of sandbox.followLogs({ pollIntervalMs: 250 })) {
      seen.push({ line, execReturned, exec_id });
      if (line === "two") break;
    }
    expect(seen.map((s) => s.line)).toEqual(["one", "two"]);
    expect(seen[0]!.execReturned).toBe(false);
    expect(seen[0]!.exec_id).not.toBe("");
    expect(seen[1]!.exec_id).toBe(seen[0]!.exec_id);
    expect((await run).stdout).toBe("one\ntwo\n");
    await sandbox.terminate();
  });
});
