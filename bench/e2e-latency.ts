// End-to-end latency on the local cluster (issue 5's benchmarks):
//  1. kubectl apply of a new Ingress -> first 200 through nginx, p50/p99 over N Ingresses;
//  2. EndpointSlice change -> traffic on the new pod, p50/p99 and reloads (nginx worker pids);
//  3. with a large number of Ingresses in the cluster (two paths each; the first --tls of them with
//     a TLS Secret of their own): controller resident memory, rebuild time, apply -> 200 for one
//     more Ingress; the resident memory of an admission-only Pepr process (as in an admission pod)
//     once it has listed everything; then the controller's memory again after --big-configmaps
//     ConfigMaps of ~1 MiB each appear in another namespace (no Ingress names them).
// Ends with ONE JSON line of every figure (controllerRssMiB, rebuildMs, applyTo200Ms, ...).
// The scale population is created with --concurrency server-side applies in flight; figures are
// taken once the controller settled (no rebuild for 10 s); every figure line says the load average.
// Usage: tsx bench/e2e-latency.ts [--ingresses 100] [--endpoint-changes 30] [--scale 10000] [--tls 2000] [--big-configmaps 200] [--concurrency 32]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exposePods } from "../src/local/backends.js";
import { startPorticoEnv } from "../src/local/portico-env.js";
import { startPeprModule } from "../src/local/pepr-process.js";
import { quantiles, summary } from "./support/stats.js";
import { applyAll, applyTo200, createScale, endpointShifts, loadAverage, NS, peakRssMiB, rssMiB, settle, sleep, until } from "./support/local-cluster.js";

const { values } = parseArgs({
  options: {
    ingresses: { type: "string", default: "100" },
    "endpoint-changes": { type: "string", default: "30" },
    scale: { type: "string", default: "10000" },
    tls: { type: "string", default: "2000" },
    "big-configmaps": { type: "string", default: "200" },
    /** Requests in flight while the scale population is created. */
    concurrency: { type: "string", default: "32" },
  },
});
const figures: Record<string, unknown> = {};

async function main(): Promise<void> {
  const env = await startPorticoEnv({ name: `bench-e2e-${process.pid}` });
  try {
    await env.cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    const a = await env.cluster.startEchoPod({ service: `${NS}/web`, pod: "web-a", port: 8080 });
    const b = await env.cluster.startEchoPod({ service: `${NS}/web`, pod: "web-b", port: 8080 });
    await exposePods(env.cluster, NS, "web", [a]);

    // 1. apply -> first 200
    const n = Number(values.ingresses);
    const applyTo200Samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const ms = await applyTo200(env, `app-${i}`, `app-${i}.bench.example`, "kubectl");
      if (ms === null) throw new Error(`app-${i} did not answer 200 within 120 s`);
      applyTo200Samples.push(ms);
    }
    console.log(summary("kubectl apply -> first 200", applyTo200Samples));
    figures.applyTo200Ms = quantiles(applyTo200Samples);

    // 2. EndpointSlice change -> traffic shifted
    const shift = await endpointShifts(env, "app-0.bench.example", [a, b], Number(values["endpoint-changes"]));
    console.log(
      `${summary("EndpointSlice server-side apply (API) -> traffic shifted", shift.samples)} reloads=${shift.reloaded ? "some (new worker pids)" : 0}`,
    );
    figures.endpointShiftMs = { ...quantiles(shift.samples), reloads: shift.reloaded ? "some" : 0, timeouts: shift.timeouts };

    // 3. scale
    const scale = Number(values.scale);
    if (scale > 0) {
      const withTls = Math.min(Number(values.tls), scale);
      const pid = env.mode.pepr.child.pid!;
      const population = await createScale(env, {
        from: n,
        to: scale,
        tls: withTls,
        concurrency: Number(values.concurrency),
        progress: (l) => console.log(l),
      });
      console.log(
        `created ${scale} Ingresses (${population.paths + n} paths, ${population.tlsSecrets} TLS Secrets) in ${population.createSeconds} s, converged in ${population.convergeSeconds} s; load ${loadAverage()}`,
      );
      await settle(env);
      const oneMore = await applyTo200(env, "one-more", "one-more.bench.example", "kubectl", 300_000);
      // Resident memory once the controller is idle again (the figure a pod's limit must hold),
      // and the peak it reached while the population arrived.
      const rebuild = await settle(env);
      const settled = rssMiB(pid);
      console.log(
        `with ${scale} Ingresses: controller RSS=${settled.toFixed(0)} MiB settled, peak ${peakRssMiB(pid).toFixed(0)} MiB (V8 heap used ${rebuild?.heapUsedMiB} of ${rebuild?.heapTotalMiB} MiB, external ${rebuild?.externalMiB} MiB at the last rebuild), last rebuild=${rebuild?.durationMs} ms, apply -> 200 for one more=${oneMore === null ? "not within 300 s" : `${oneMore.toFixed(0)} ms`}; load ${loadAverage()}`,
      );
      Object.assign(figures, {
        scale: { ingresses: scale + 1, paths: population.paths + n + 1, tlsSecrets: population.tlsSecrets },
        createSeconds: population.createSeconds,
        convergeSeconds: population.convergeSeconds,
        controllerRssMiB: Math.round(settled),
        controllerPeakRssMiB: Math.round(peakRssMiB(pid)),
        controllerHeapUsedMiB: rebuild?.heapUsedMiB,
        controllerHeapTotalMiB: rebuild?.heapTotalMiB,
        rebuildMs: rebuild?.durationMs,
        oneMoreApplyTo200Ms: oneMore === null ? null : Math.round(oneMore),
      });
      if (process.env.BENCH_HEAP_SNAPSHOT) {
        // With NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2 the controller writes Heap.*.heapsnapshot
        // into the repository root (git-ignored), for finding where the memory goes.
        process.kill(pid, "SIGUSR2");
        await sleep(60_000);
      }

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
        await sleep(3000);
        figures.admissionRssMiB = Math.round(rssMiB(admission.child.pid!));
        figures.admissionPeakRssMiB = Math.round(peakRssMiB(admission.child.pid!));
        console.log(
          `admission-only process after listing: RSS=${figures.admissionRssMiB} MiB (peak ${figures.admissionPeakRssMiB} MiB); load ${loadAverage()}`,
        );
      } finally {
        await admission.stop();
      }

      // Big ConfigMaps nobody names (issue 10): the watcher must not hold them.
      const big = Number(values["big-configmaps"]);
      if (big > 0) {
        await env.cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bulk" } });
        const payload = "x".repeat(1_000_000);
        const maps = Array.from({ length: big }, (_, i) => ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `big-${i}`, namespace: "bulk" },
          data: { blob: payload },
        }));
        await applyAll(env, maps, 4);
        await sleep(5000);
        figures.controllerRssWithBigConfigMapsMiB = Math.round(rssMiB(pid));
        figures.bigConfigMaps = { count: big, bytesEach: 1_000_000 };
        console.log(`after ${big} ConfigMaps of ~1 MiB in another namespace: controller RSS=${figures.controllerRssWithBigConfigMapsMiB} MiB`);
      }
    }
    figures.loadAverage = loadAverage();
    console.log(JSON.stringify(figures));
  } finally {
    await env.stop();
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
