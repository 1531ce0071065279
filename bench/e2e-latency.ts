// End-to-end latency on the local cluster (issue 5's benchmarks):
//  1. kubectl apply of a new Ingress -> first 200 through nginx, p50/p99 over N Ingresses;
//  2. EndpointSlice change -> traffic on the new pod, p50/p99 and reloads (nginx worker pids);
//  3. with a large number of Ingresses in the cluster (two paths each; the first --tls of them with
//     a TLS Secret of their own): controller resident memory, rebuild time, apply -> 200 for one
//     more Ingress; the resident memory of an admission-only Pepr process (as in an admission pod)
//     once it has listed everything; then the controller's memory again after --big-configmaps
//     ConfigMaps of ~1 MiB each appear in another namespace (no Ingress names them).
// Ends with ONE JSON line of every figure (controllerRssMiB, rebuildMs, applyTo200Ms, ...).
// Usage: tsx bench/e2e-latency.ts [--ingresses 100] [--endpoint-changes 30] [--scale 10000] [--tls 2000] [--big-configmaps 200]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import https from "node:https";
import { parseArgs } from "node:util";
import { endpointSliceManifest, exposePods, ingressManifest, prefixRule } from "../src/local/backends.js";
import { nginxPids, reloadedBetween } from "../e2e/support/nginx-pids.js";
import { startPorticoEnv, type PorticoEnv } from "../src/local/portico-env.js";
import { startPeprModule } from "../src/local/pepr-process.js";
import { makeCert, tlsSecret } from "../src/admission/testing/certs.js";

const { values } = parseArgs({
  options: {
    ingresses: { type: "string", default: "100" },
    "endpoint-changes": { type: "string", default: "30" },
    scale: { type: "string", default: "10000" },
    tls: { type: "string", default: "2000" },
    "big-configmaps": { type: "string", default: "200" },
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
function quantiles(samples: number[]): { n: number; p50: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: Math.round(percentile(s, 50)), p99: Math.round(percentile(s, 99)) };
}
const figures: Record<string, unknown> = {};

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
    figures.applyTo200Ms = quantiles(applyTo200);

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
    figures.endpointShiftMs = { ...quantiles(shift), reloads: reloads === 0 ? 0 : "some" };

    // 3. scale
    const scale = Number(values.scale);
    if (scale > 0) {
      const withTls = Math.min(Number(values.tls), scale);
      const batch = 500;
      const apply = (items: object[]) =>
        env.cluster.kubectlOk(["apply", "--server-side", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items }), timeoutMs: 600_000 });
      const t0 = performance.now();
      const cert = makeCert({ dnsNames: ["*.bench.example"] });
      for (let start = 0; start < withTls; start += batch) {
        const items = [];
        for (let i = start; i < Math.min(withTls, start + batch); i++) items.push(tlsSecret(NS, `tls-${i}`, cert));
        await apply(items);
      }
      for (let start = n; start < scale; start += batch) {
        const items = [];
        for (let i = start; i < Math.min(scale, start + batch); i++) {
          const host = `app-${i}.bench.example`;
          items.push(
            ingressManifest(NS, `app-${i}`, {
              rules: [
                prefixRule(host, [
                  ["/", "web"],
                  ["/api", "web"],
                ]),
              ],
              ...(i < withTls ? { tls: [{ hosts: [host], secretName: `tls-${i}` }] } : {}),
            }),
          );
        }
        await apply(items);
      }
      const last = `app-${scale - 1}.bench.example`;
      await until(async () => (await env.get(last, "/api")).status === 200, 600_000, 200);
      console.log(
        `created ${scale} Ingresses (${2 * (scale - n) + n} paths, ${withTls} TLS Secrets) and converged in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      await new Promise((r) => setTimeout(r, 3000));
      const one = `one-more.bench.example`;
      const t1 = performance.now();
      await env.cluster.kubectlOk(["apply", "-f", "-"], {
        input: JSON.stringify(ingressManifest(NS, "one-more", { rules: [prefixRule(one, [["/", "web"]])] })),
      });
      await until(async () => (await env.get(one, "/")).status === 200, 120_000);
      const oneMore = performance.now() - t1;
      const pid = env.mode.pepr.child.pid!;
      const rebuild = lastRebuild(env);
      console.log(
        `with ${scale} Ingresses: controller RSS=${rssMiB(pid).toFixed(0)} MiB (V8 heap used ${rebuild?.heapUsedMiB} MiB, external ${rebuild?.externalMiB} MiB), last rebuild=${rebuild?.durationMs} ms, apply -> 200 for one more=${oneMore.toFixed(0)} ms`,
      );
      Object.assign(figures, {
        scale: { ingresses: scale + 1, paths: 2 * (scale - n) + n + 1, tlsSecrets: withTls },
        controllerRssMiB: Math.round(rssMiB(pid)),
        controllerHeapUsedMiB: rebuild?.heapUsedMiB,
        rebuildMs: rebuild?.durationMs,
        oneMoreApplyTo200Ms: Math.round(oneMore),
      });

      // An admission-only Pepr process (PEPR_WATCH_MODE=false, as in the admission pods), without
      // webhook registrations of its own: its memory once it has listed what admission reads.
      const admission = await startPeprModule({
        kubeconfig: env.cluster.kubeconfig,
        workDir: join(env.cluster.dir, "bench-admission"),
        name: "bench-admission",
        capabilities: [],
        env: { PEPR_MODE: "", PEPR_WATCH_MODE: "false" },
      });
      try {
        const listed = () => readFileSync(admission.logFile, "utf8");
        await until(async () => ["listed Ingress", "listed IngressClass", "listed Secret"].every((l) => listed().includes(`"${l}"`)), 300_000, 500);
        await new Promise((r) => setTimeout(r, 3000));
        figures.admissionRssMiB = Math.round(rssMiB(admission.child.pid!));
        console.log(`admission-only process after listing: RSS=${figures.admissionRssMiB} MiB`);
      } finally {
        await admission.stop();
      }

      // Big ConfigMaps nobody names (issue 10): the watcher must not hold them.
      const big = Number(values["big-configmaps"]);
      if (big > 0) {
        await env.cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bulk" } });
        const payload = "x".repeat(1_000_000);
        for (let i = 0; i < big; i++) {
          await serverSideApply(env, `/api/v1/namespaces/bulk/configmaps/big-${i}`, {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: `big-${i}`, namespace: "bulk" },
            data: { blob: payload },
          });
        }
        await new Promise((r) => setTimeout(r, 5000));
        figures.controllerRssWithBigConfigMapsMiB = Math.round(rssMiB(pid));
        figures.bigConfigMaps = { count: big, bytesEach: 1_000_000 };
        console.log(`after ${big} ConfigMaps of ~1 MiB in another namespace: controller RSS=${figures.controllerRssWithBigConfigMapsMiB} MiB`);
      }
    }
    console.log(JSON.stringify(figures));
  } finally {
    await env.stop();
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
