// End-to-end latency on the local cluster (issue 5's benchmarks):
//  1. kubectl apply of a new Ingress -> first 200 through nginx, p50/p99 over N Ingresses;
//  2. EndpointSlice change -> traffic on the new pod, p50/p99 and reloads (nginx worker pids);
//  3. with a large number of Ingresses in the cluster: controller resident memory, rebuild time,
//     and apply -> 200 for one more Ingress.
// Usage: tsx bench/e2e-latency.ts [--ingresses 100] [--endpoint-changes 30] [--scale 10000]
import { readFileSync } from "node:fs";
import https from "node:https";
import { parseArgs } from "node:util";
import { endpointSliceManifest, exposePods, ingressManifest, prefixRule } from "../src/local/backends.js";
import { nginxPids, reloadedBetween } from "../e2e/support/nginx-pids.js";
import { startPorticoEnv, type PorticoEnv } from "../src/local/portico-env.js";

const { values } = parseArgs({
  options: {
    ingresses: { type: "string", default: "100" },
    "endpoint-changes": { type: "string", default: "30" },
    scale: { type: "string", default: "10000" },
  },
});
const NS = "bench";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
function summary(label: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `${label}: n=${s.length} p50=${percentile(s, 50).toFixed(0)} ms p99=${percentile(s, 99).toFixed(0)} ms max=${s.at(-1)!.toFixed(0)} ms`;
}

async function until(check: () => Promise<boolean>, timeoutMs = 60_000, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Server-side apply straight to the API server (no kubectl process start in the measurement). */
function serverSideApply(env: PorticoEnv, path: string, obj: object): Promise<void> {
  const url = new URL(`${path}?fieldManager=bench&force=true`, env.cluster.server);
  const body = JSON.stringify(obj);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "PATCH",
        ca: env.cluster.caPem,
        headers: { authorization: `Bearer ${env.cluster.adminToken}`, "content-type": "application/apply-patch+yaml" },
      },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 || res.statusCode === 201 ? resolve() : reject(new Error(`apply ${path}: HTTP ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

function lastRebuild(env: PorticoEnv): { durationMs: number; heapUsedMiB?: number; externalMiB?: number } | undefined {
  const lines = readFileSync(env.mode.pepr.logFile, "utf8")
    .split("\n")
    .filter((l) => l.includes('"rebuild done"'));
  const last = lines.at(-1);
  return last ? JSON.parse(last) : undefined;
}

async function main(): Promise<void> {
  const env = await startPorticoEnv({ name: `bench-e2e-${process.pid}` });
  try {
    await env.cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    const a = await env.cluster.startEchoPod({ service: `${NS}/web`, pod: "web-a", port: 8080 });
    const b = await env.cluster.startEchoPod({ service: `${NS}/web`, pod: "web-b", port: 8080 });
    await exposePods(env.cluster, NS, "web", [a]);

    // 1. apply -> first 200
    const n = Number(values.ingresses);
    const applyTo200: number[] = [];
    for (let i = 0; i < n; i++) {
      const host = `app-${i}.bench.example`;
      const t0 = performance.now();
      await env.cluster.kubectlOk(["apply", "-f", "-"], {
        input: JSON.stringify(ingressManifest(NS, `app-${i}`, { rules: [prefixRule(host, [["/", "web"]])] })),
      });
      await until(async () => (await env.get(host, "/")).status === 200);
      applyTo200.push(performance.now() - t0);
    }
    console.log(summary("kubectl apply -> first 200", applyTo200));

    // 2. EndpointSlice change -> traffic shifted
    const changes = Number(values["endpoint-changes"]);
    const shift: number[] = [];
    const pidsBefore = nginxPids(env.mode.nginxPrefix);
    for (let i = 0; i < changes; i++) {
      const target = i % 2 === 0 ? b : a;
      const t0 = performance.now();
      await serverSideApply(env, `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices/web-manual`, endpointSliceManifest(NS, "web", [{ ip: target.ip }]));
      await until(async () => (await env.get("app-0.bench.example", "/")).json?.pod === target.pod.name);
      shift.push(performance.now() - t0);
    }
    const reloads = reloadedBetween(pidsBefore, nginxPids(env.mode.nginxPrefix)) ? "some (new worker pids)" : 0;
    console.log(`${summary("EndpointSlice server-side apply (API) -> traffic shifted", shift)} reloads=${reloads}`);

    // 3. scale
    const scale = Number(values.scale);
    if (scale > 0) {
      const batch = 500;
      const t0 = performance.now();
      for (let start = n; start < scale; start += batch) {
        const items = [];
        for (let i = start; i < Math.min(scale, start + batch); i++)
          items.push(ingressManifest(NS, `app-${i}`, { rules: [prefixRule(`app-${i}.bench.example`, [["/", "web"]])] }));
        await env.cluster.kubectlOk(["apply", "--server-side", "-f", "-"], {
          input: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
          timeoutMs: 600_000,
        });
      }
      const last = `app-${scale - 1}.bench.example`;
      await until(async () => (await env.get(last, "/")).status === 200, 600_000, 200);
      console.log(`created ${scale} Ingresses and converged in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, 3000));
      const one = `one-more.bench.example`;
      const t1 = performance.now();
      await env.cluster.kubectlOk(["apply", "-f", "-"], {
        input: JSON.stringify(ingressManifest(NS, "one-more", { rules: [prefixRule(one, [["/", "web"]])] })),
      });
      await until(async () => (await env.get(one, "/")).status === 200, 120_000);
      const oneMore = performance.now() - t1;
      const pid = env.mode.pepr.child.pid!;
      console.log(
        `with ${scale} Ingresses: controller RSS=${rssMiB(pid).toFixed(0)} MiB (V8 heap used ${lastRebuild(env)?.heapUsedMiB} MiB, external ${lastRebuild(env)?.externalMiB} MiB), last rebuild=${lastRebuild(env)?.durationMs} ms, apply -> 200 for one more=${oneMore.toFixed(0)} ms`,
      );
    }
  } finally {
    await env.stop();
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
