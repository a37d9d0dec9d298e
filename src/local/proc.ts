// What Linux's /proc says about processes: for each process group asked about, the CPU time and the
// resident memory of every process in it. Elsewhere (no /proc) nothing is found, and the metrics
// endpoints answer `has_data: false`.
import { readdir, readFile } from "node:fs/promises";

/** Clock ticks per second of /proc's CPU times: USER_HZ, 100 on every Linux ABI. */
const TICKS_PER_SECOND = 100;

export interface ProcessUsage {
  pid: number;
  pgid: number;
  /** CPU seconds used, its reaped children's included (so short-lived children are counted). */
  cpuSeconds: number;
}

/** Parses /proc/<pid>/stat. The command name (field 2) may hold spaces and parentheses, so the fields
 * are counted from the last ")". */
export function parseStat(text: string): ProcessUsage | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(" ")));
  // After the name: state (field 3) at index 0, so field n is at index n - 3.
  const f = text.slice(close + 2).split(" ");
  const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(f[i]), 0); // utime, stime, cutime, cstime
  const pgid = Number(f[2]);
  if (!Number.isFinite(ticks) || !Number.isInteger(pgid)) return undefined;
  return { pid, pgid, cpuSeconds: ticks / TICKS_PER_SECOND };
}

/** VmRSS of /proc/<pid>/status, in bytes (0 for a zombie, which has none). */
export function parseRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Every process in one of `groups`, with its CPU time and resident memory. Processes that exit while
 * being read are skipped. */
export async function usageOfGroups(groups: ReadonlySet<number>): Promise<(ProcessUsage & { rssBytes: number })[]> {
  if (groups.size === 0) return [];
  const pids = (await readdir("/proc").catch(() => [])).filter((name) => /^\d+$/.test(name));
  const found = await Promise.all(
    pids.map(async (pid) => {
      const stat = parseStat(await readFile(`/proc/${pid}/stat`, "utf8").catch(() => ""));
      if (!stat || !groups.has(stat.pgid)) return undefined;
      const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
      return status === undefined ? undefined : { ...stat, rssBytes: parseRss(status) };
    }),
  );
  return found.filter((p) => p !== undefined);
}
