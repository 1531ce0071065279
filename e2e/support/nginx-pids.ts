// nginx's master and worker pids under a prefix: a reload replaces the workers, so unchanged
// worker pids prove that a change was applied without a reload.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export function nginxPids(prefix: string): { master: number; workers: number[] } {
  const master = Number(readFileSync(join(prefix, "tmp", "nginx.pid"), "utf8").trim());
  const workers: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === master && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("worker process")) workers.push(Number(entry));
    } catch {
      // process went away while reading
    }
  }
  return { master, workers: workers.sort((a, b) => a - b) };
}

/** Whether nginx reloaded between two snapshots: a reload starts new workers (new pids), while old
 * workers still draining from an earlier reload may exit in between (which is not a reload). */
export function reloadedBetween(before: { master: number; workers: number[] }, after: { master: number; workers: number[] }): boolean {
  return before.master !== after.master || after.workers.some((pid) => !before.workers.includes(pid));
}
