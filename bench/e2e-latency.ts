// End-to-end latency on the local cluster (issue 5's benchmarks):
//  1. kubectl apply of a new Ingress -> first 200 through nginx, p50/p99 over N Ingresses;
//  2. EndpointSlice change -> traffic on the new pod, p50/p99 and reloads (nginx worker pids);
//  3. with a large number of Ingresses in the cluster (two paths each; the first --tls of them with
//     a TLS Secret of their own): controller resident memory, rebuild time, apply -> 200 for one
//     more Ingress; the resident memory of an admission-only Pepr process (as in an admission pod)
//     once it has listed everything; then the controller's memory again after --big-configmaps
//     ConfigMaps of ~1 MiB each appear in another namespace (no Ingress names them);
//  4. at that scale (--at-scale N): apply -> first 200 of N new Ingresses (new hosts) and of N
//     changed ones (a path added to an existing host, to another Service), while another host is
//     requested throughout (failed requests counted), and where the time went (critical-path.ts).
// Ends with ONE JSON line of every figure (controllerRssMiB, rebuildMs, applyTo200Ms, ...).
// The scale population is created with --concurrency server-side applies in flight; figures are
// taken once the controller settled (no rebuild for 10 s); every figure line says the load average.
// Usage: tsx bench/e2e-latency.ts [--ingresses 100] [--endpoint-changes 30] [--scale 10000] [--tls 2000] [--big-configmaps 200] [--concurrency 32]
//        [--at-scale 20]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { endpointSliceManifest, exposePods, ingressManifest, prefixRule } from "../src/local/backends.js";
import type { EchoPod } from "../src/local/cluster/index.js";
import type { PorticoEnv } from "../src/local/portico-env.js";
import { criticalPath, phaseMedians, type Sample } from "./support/critical-path.js";
import { startPorticoEnv } from "../src/local/portico-env.js";
import { startPeprModule } from "../src/local/pepr-process.js";
import { quantiles, summary } from "./support/stats.js";
import {
  applyAll,
  applyObject,
  applyTo200,
  createScale,
  endpointShifts,
  loadAverage,
  NS,
  peakRssMiB,
  rssMiB,
  scaleHost,
  settle,
  sleep,
  until,
  within,
} from "./support/local-cluster.js";

const { values } = parseArgs({
  options: {
    ingresses: { type: "string", default: "100" },
    "endpoint-changes": { type: "string", default: "30" },
    scale: { type: "string", default: "10000" },
    tls: { type: "string", default: "2000" },
    "big-configmaps": { type: "string", default: "200" },
    /** Requests in flight while the scale population is created. */
    concurrency: { type: "string", default: "32" },
    /** Samples of apply -> 200 once the scale population is there (new hosts, and as many changed). */
    "at-scale": { type: "string", default: "20" },
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
      const samples = Number(values["at-scale"]);
      if (samples > 0) Object.assign(figures, await atScale(env, samples, { first: n, scale, withTls }, a, b));

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

/** Section 4: new and changed Ingresses at scale, another host requested meanwhile. */
async function atScale(
  env: PorticoEnv,
  samples: number,
  { first, scale, withTls }: { first: number; scale: number; withTls: number },
  a: EchoPod,
  b: EchoPod,
): Promise<Record<string, unknown>> {
  // web -> a only; the changed paths go to Service web2 -> b, so their first answer from b is the new route's.
  await applyObject(env, endpointSliceManifest(NS, "web", [{ ip: a.ip }]));
  await exposePods(env.cluster, NS, "web2", [b]);
  await settle(env, 5000);
  const other = scaleHost(scale - 1);
  let stop = false;
  const traffic = { requests: 0, failed: 0 };
  const load = (async () => {
    while (!stop) {
      const res = await env.get(other, "/").catch(() => null);
      traffic.requests++;
      if (res?.status !== 200) traffic.failed++;
    }
  })();
  // An apply the API server refused because the admission webhook timed out is tried again (a
  // user would), from the same t0, and counted.
  let webhookRetries = 0;
  const kubectlApply = async (m: object) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await env.cluster.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(m) });
      } catch (err) {
        if (attempt >= 5 || !/failed calling webhook/.test(String((err as Error).message))) throw err;
        webhookRetries++;
      }
    }
  };
  const measure = async (apply: () => Promise<unknown>, answered: () => Promise<boolean>): Promise<Sample | null> => {
    const t0 = Date.now();
    await apply();
    return (await within(until(answered, 120_000))) ? { t0, t200: Date.now() } : null;
  };
  const fresh: Sample[] = [];
  const changed: Sample[] = [];
  let timeouts = 0;
  for (let i = 0; i < samples; i++) {
    const host = `at-scale-${i}.bench.example`;
    const s = await measure(
      () => kubectlApply(ingressManifest(NS, `at-scale-${i}`, { rules: [prefixRule(host, [["/", "web"]])] })),
      async () => (await env.get(host, "/")).status === 200,
    );
    if (s) fresh.push(s);
    else timeouts++;
    // Every other change is on a TLS host (its HTTP requests get the ssl-redirect: asked over HTTPS).
    const j = i % 2 === 0 ? first + i : Math.max(first, withTls) + i;
    const tls = j < withTls;
    const existing = scaleHost(j);
    const c = await measure(
      () =>
        kubectlApply(
          ingressManifest(NS, `app-${j}`, {
            rules: [
              prefixRule(existing, [
                ["/", "web"],
                ["/api", "web"],
                ["/v2", "web2"],
              ]),
            ],
            ...(tls ? { tls: [{ hosts: [existing], secretName: `tls-${j}` }] } : {}),
          }),
        ),
      async () => (await env.get(existing, "/v2", { https: tls })).json?.pod === b.pod.name,
    );
    if (c) changed.push(c);
    else timeouts++;
  }
  stop = true;
  await load;
  const ms = (xs: Sample[]) => xs.map((x) => x.t200 - x.t0);
  const logs = [env.mode.pepr.logFile, env.mode.agentLog] as const;
  const out = {
    atScaleNewHostMs: quantiles(ms(fresh)),
    atScaleChangedMs: quantiles(ms(changed)),
    atScaleApplyTo200Ms: quantiles([...ms(fresh), ...ms(changed)]),
    atScaleTimeouts: timeouts,
    atScaleWebhookRetries: webhookRetries,
    atScaleOtherHost: traffic,
    atScaleNewHostPhasesP50: phaseMedians(criticalPath(...logs, fresh)),
    atScaleChangedPhasesP50: phaseMedians(criticalPath(...logs, changed)),
  };
  for (const [what, xs] of [
    ["new hosts", fresh],
    ["changed (path added)", changed],
  ] as const)
    if (xs.length) console.log(`${summary(`at ${scale}: kubectl apply -> first 200, ${what}`, ms(xs))}; load ${loadAverage()}`);
  console.log(`  phases p50 (ms), new: ${JSON.stringify(out.atScaleNewHostPhasesP50)}; changed: ${JSON.stringify(out.atScaleChangedPhasesP50)}`);
  console.log(`  another host meanwhile: ${traffic.requests} requests, ${traffic.failed} failed`);
  return out;
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
