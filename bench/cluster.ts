// Benchmark of the local control plane: warm `cluster:up` to ready, `cluster:down`, and the idle
// resident memory of etcd + kube-apiserver + kube-controller-manager.
//   npm run bench:cluster            (BENCH_RUNS=3, BENCH_IDLE_S=30 by default)
// Times are wall clock of the CLI process (including tsx start-up), as a user sees them.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { run } from "../src/local/cluster/exec.js";
import { clusterDir, repoRoot } from "../src/local/cluster/paths.js";
import { readState } from "../src/local/cluster/state.js";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const idleS = Number(process.env.BENCH_IDLE_S ?? 30);
const name = `bench-${process.pid}`;
const cli = [join(repoRoot, "node_modules/.bin/tsx"), join(repoRoot, "src/local/cluster/cli.ts")];

function rssKiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : 0;
}

async function timed(args: string[]): Promise<number> {
  const t0 = performance.now();
  const r = await run(cli[0], [cli[1], ...args, "--name", name], { cwd: repoRoot });
  if (r.code !== 0) throw new Error(`cluster ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return (performance.now() - t0) / 1000;
}

const ups: number[] = [];
const downs: number[] = [];
let rss: Record<string, number> = {};
try {
  for (let i = 0; i < runs; i++) {
    ups.push(await timed(["up"]));
    if (i === 0 && idleS > 0) {
      await new Promise((r) => setTimeout(r, idleS * 1000));
      const state = readState(clusterDir(name))!;
      rss = Object.fromEntries(state.components.map((c) => [c.name, Math.round(rssKiB(c.pid) / 1024)]));
    }
    downs.push(await timed(["down"]));
  }
} finally {
  await run(cli[0], [cli[1], "down", "--name", name], { cwd: repoRoot });
  rmSync(clusterDir(name), { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const total = Object.values(rss).reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify(
    {
      upSeconds: ups.map((x) => +x.toFixed(2)),
      upMedian: +median(ups).toFixed(2),
      downSeconds: downs.map((x) => +x.toFixed(2)),
      downMedian: +median(downs).toFixed(2),
      idleRssMiB: { ...rss, total, afterSeconds: idleS },
    },
    null,
    2,
  ),
);
