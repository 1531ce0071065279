// bench:scale (issue 13): with --scale Ingresses in the cluster (two paths each, the first --tls
// with a TLS Secret of their own), side by side in one run of the local cluster in FAKE-POD mode
// (the Pepr module, the agent and nginx as local processes; the node is the lead's):
//  - apply -> first 200 for --more new Ingresses (server-side apply straight to the API);
//  - an EndpointSlice change -> traffic on the new backend;
//  - a certificate rotation (a TLS Secret gets a new certificate) -> the new certificate served;
//  - nginx reload time with this config (SIGHUP -> the new worker generation answers the control server);
//  - controller and nginx memory (nginx per worker generation, RSS and PSS);
//  - the throughput ratio, bench:agent's measurement (bench/support/throughput.ts: rendered config
//    vs a hand-written proxy with the same behaviour, 1 worker each), run beside that cluster.
// Ends with ONE JSON line of every figure. Every figure line says the load average.
// Usage: tsx bench/scale.ts [--scale 10000] [--tls 2000] [--more 100] [--endpoint-changes 10]
//        [--rotations 5] [--reloads 5] [--rounds 3] [--concurrency 100]
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { parseArgs } from "node:util";
import { ControlClient } from "../src/agent/control-client.js";
import { exposePods } from "../src/local/backends.js";
import { nginxPids } from "../e2e/support/nginx-pids.js";
import { startPorticoEnv, type PorticoEnv } from "../src/local/portico-env.js";
import { makeCert, tlsSecret } from "../src/admission/testing/certs.js";
import { quantiles, summary } from "./support/stats.js";
import {
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
  until,
  within,
} from "./support/local-cluster.js";
import { measureThroughput } from "./support/throughput.js";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "10000" },
    tls: { type: "string", default: "2000" },
    more: { type: "string", default: "100" },
    "endpoint-changes": { type: "string", default: "10" },
    rotations: { type: "string", default: "5" },
    reloads: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "100" },
  },
});
const figures: Record<string, unknown> = { mode: "fake-pod (local processes; the node is reserved)" };

/** Rss and Pss (shared pages split between the processes that map them) of a process, in MiB. */
function memoryMiB(pid: number): { rss: number; pss: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kib = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { rss: kib("Rss") / 1024, pss: kib("Pss") / 1024 };
}

/** Process start time in clock ticks (field 22 of stat): workers of one reload start together. */
function startTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

/** nginx's master and its workers grouped by generation (start within 2 s of each other). */
function nginxMemory(prefix: string) {
  const { master, workers } = nginxPids(prefix);
  const byStart = workers.map((pid) => ({ pid, start: startTicks(pid), ...memoryMiB(pid) })).sort((a, b) => a.start - b.start);
  const generations: { workers: number; rssMiB: number; pssMiB: number }[] = [];
  let lastStart = -Infinity;
  for (const w of byStart) {
    if (w.start - lastStart > 200) generations.push({ workers: 0, rssMiB: 0, pssMiB: 0 });
    lastStart = w.start;
    const g = generations.at(-1)!;
    g.workers++;
    g.rssMiB += w.rss;
    g.pssMiB += w.pss;
  }
  const m = memoryMiB(master);
  const round = (g: { workers: number; rssMiB: number; pssMiB: number }) => ({
    workers: g.workers,
    rssMiB: Math.round(g.rssMiB),
    pssMiB: Math.round(g.pssMiB),
  });
  return {
    masterRssMiB: Math.round(m.rss),
    rssMiB: Math.round(m.rss + generations.reduce((s, g) => s + g.rssMiB, 0)),
    pssMiB: Math.round(m.pss + generations.reduce((s, g) => s + g.pssMiB, 0)),
    generations: generations.map(round),
  };
}

/** SIGHUP to the master, until the control server answers from a higher generation. */
async function reloadOnce(env: PorticoEnv): Promise<number | null> {
  const control = new ControlClient(env.mode.controlPort);
  const before = (await control.state()).generation;
  const { master } = nginxPids(env.mode.nginxPrefix);
  const t0 = performance.now();
  process.kill(master, "SIGHUP");
  const done = await within(until(async () => (await control.state()).generation > before, 120_000, 20));
  return done ? performance.now() - t0 : null;
}

async function rotations(env: PorticoEnv, count: number): Promise<{ samples: number[]; timeouts: number }> {
  const samples: number[] = [];
  let timeouts = 0;
  const host = scaleHost(0); // app-0 has TLS Secret tls-0
  for (let i = 0; i < count; i++) {
    const cert = makeCert({ dnsNames: ["*.bench.example"] });
    const fingerprint = new X509Certificate(cert.crt).fingerprint256;
    const t0 = performance.now();
    await applyObject(env, tlsSecret(NS, "tls-0", cert));
    if (await within(until(async () => (await env.get(host, "/", { https: true })).certificateFingerprint === fingerprint, 120_000, 20)))
      samples.push(performance.now() - t0);
    else timeouts++;
  }
  return { samples, timeouts };
}

async function main(): Promise<void> {
  const env = await startPorticoEnv({ name: `bench-scale-${process.pid}` });
  try {
    await env.cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    const a = await env.cluster.startEchoPod({ service: `${NS}/web`, pod: "web-a", port: 8080 });
    const b = await env.cluster.startEchoPod({ service: `${NS}/web`, pod: "web-b", port: 8080 });
    await exposePods(env.cluster, NS, "web", [a]);
    const scale = Number(values.scale);
    const population = await createScale(env, {
      from: 0,
      to: scale,
      tls: Number(values.tls),
      concurrency: Number(values.concurrency),
      progress: (l) => console.log(l),
    });
    console.log(
      `created ${population.ingresses} Ingresses (${population.paths} paths, ${population.tlsSecrets} TLS Secrets) in ${population.createSeconds} s, converged in ${population.convergeSeconds ?? "(not within the timeout)"} s; load ${loadAverage()}`,
    );
    figures.scale = { ingresses: population.ingresses + 1, paths: population.paths + 1, tlsSecrets: population.tlsSecrets };
    figures.createSeconds = population.createSeconds;
    figures.convergeSeconds = population.convergeSeconds;
    await settle(env);

    // apply -> 200 for more new Ingresses, one at a time
    const more = Number(values.more);
    const applied: number[] = [];
    let applyTimeouts = 0;
    for (let i = 0; i < more; i++) {
      const ms = await applyTo200(env, `more-${i}`, `more-${i}.bench.example`, "api", 120_000);
      if (ms === null) applyTimeouts++;
      else applied.push(ms);
    }
    if (applied.length) console.log(`${summary(`server-side apply (API) -> first 200, ${scale} Ingresses present`, applied)}; load ${loadAverage()}`);
    figures.applyTo200Ms = { ...(applied.length ? quantiles(applied) : { n: 0 }), timeouts: applyTimeouts };

    // A plain-HTTP host (TLS hosts redirect HTTP to HTTPS): the first Ingress applied above, or the
    // last of the population (those beyond --tls have no TLS).
    const plainHost = more > 0 ? "more-0.bench.example" : scaleHost(scale - 1);
    const shift = await endpointShifts(env, plainHost, [a, b], Number(values["endpoint-changes"]));
    if (shift.samples.length)
      console.log(
        `${summary("EndpointSlice server-side apply (API) -> traffic shifted", shift.samples)} reloads=${shift.reloaded ? "some" : 0}; load ${loadAverage()}`,
      );
    figures.endpointShiftMs = {
      ...(shift.samples.length ? quantiles(shift.samples) : { n: 0 }),
      timeouts: shift.timeouts,
      reloads: shift.reloaded ? "some" : 0,
    };

    const rotated = await rotations(env, Number(values.rotations));
    if (rotated.samples.length) console.log(`${summary("TLS Secret rotated (API) -> new certificate served", rotated.samples)}; load ${loadAverage()}`);
    figures.certificateRotationMs = { ...(rotated.samples.length ? quantiles(rotated.samples) : { n: 0 }), timeouts: rotated.timeouts };

    // Memory once everything above settled.
    const last = await settle(env);
    const pid = env.mode.pepr.child.pid!;
    figures.controllerRssMiB = Math.round(rssMiB(pid));
    figures.controllerPeakRssMiB = Math.round(peakRssMiB(pid));
    figures.rebuildMs = last?.durationMs;
    const nginxBefore = nginxMemory(env.mode.nginxPrefix);
    figures.nginxRssMiB = nginxBefore.rssMiB;
    figures.nginxPssMiB = nginxBefore.pssMiB;
    figures.nginxMasterRssMiB = nginxBefore.masterRssMiB;
    figures.nginxWorkerGenerations = nginxBefore.generations;
    console.log(
      `controller RSS ${figures.controllerRssMiB} MiB (peak ${figures.controllerPeakRssMiB} MiB), last rebuild ${last?.durationMs} ms; nginx RSS ${nginxBefore.rssMiB} MiB, PSS ${nginxBefore.pssMiB} MiB (master ${nginxBefore.masterRssMiB} MiB RSS; worker generations ${JSON.stringify(nginxBefore.generations)}); load ${loadAverage()}`,
    );

    // Reloads of this config (nginx alone: SIGHUP -> new generation answers).
    const reloads: number[] = [];
    let reloadTimeouts = 0;
    for (let i = 0; i < Number(values.reloads); i++) {
      const ms = await reloadOnce(env);
      if (ms === null) reloadTimeouts++;
      else reloads.push(ms);
    }
    if (reloads.length) console.log(`${summary("nginx reload (SIGHUP -> new generation answers)", reloads)}; load ${loadAverage()}`);
    figures.reloadMs = { ...(reloads.length ? quantiles(reloads) : { n: 0 }), timeouts: reloadTimeouts };
    const nginxAfter = nginxMemory(env.mode.nginxPrefix);
    figures.nginxAfterReloads = nginxAfter;
    console.log(
      `after ${reloads.length} reloads: nginx RSS ${nginxAfter.rssMiB} MiB, PSS ${nginxAfter.pssMiB} MiB, worker generations ${JSON.stringify(nginxAfter.generations)}`,
    );

    // bench:agent's measurement (bench/support/throughput.ts), run beside the 10,000-Ingress cluster.
    const tp = await measureThroughput(Number(values.rounds));
    figures.throughputRatio = Math.round(tp.ratio * 1000) / 1000;
    figures.throughputCpuRatio = Math.round(tp.cpuRatio * 1000) / 1000;
    figures.throughputRatioToMinimal = Math.round(tp.ratioToMinimal * 1000) / 1000;
    console.log(
      `throughput rendered / hand-written same behaviour (median of ${tp.rounds.length} rounds of ${tp.command}): ${(tp.ratio * 100).toFixed(1)}% (CPU per request ${(tp.cpuRatio * 100).toFixed(1)}%); load ${loadAverage()}`,
    );
    figures.loadAverage = loadAverage();
    console.log(JSON.stringify(figures));
  } finally {
    await env.stop();
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
