// Benchmark: proxied throughput through the rendered config (core's build() applied by the agent)
// vs a hand-written minimal nginx doing the same plain proxying (upstream with keepalive), to the
// same backend, with the same load tool: wrk, alternating runs (see ROUNDS).
// The backend is a second nginx answering `return 200` on 127.0.0.3: the echo server (node) would
// be the bottleneck and hide the proxy's cost. All three nginx run 1 worker; wrk 2 threads.
// Run: npx tsx bench/agent-throughput.ts   (DURATION=5s ROUNDS=3 CONNECTIONS=50 THREADS=2)
import { cpus, loadavg } from "node:os";
import { childPids } from "../src/agent/nginx-process.js";
import type { EndpointSlice, Service } from "../src/core/k8s-types.js";
import { startPlainNginx, returnOkConfig } from "../src/testing/nginx.js";
import { freePort } from "../src/testing/ports.js";
import { Harness, World } from "../src/testing/world.js";
import { median } from "./support/stats.js";
import { CONNECTIONS, DURATION, equivalentProxyConfig, minimalProxyConfig, THREADS, wrk } from "./support/throughput.js";

const BACKEND = "127.0.0.3";

async function main() {
  const backendPort = await freePort(BACKEND);
  const backend = await startPlainNginx(returnOkConfig(BACKEND, backendPort, 1), { host: BACKEND, port: backendPort });
  const minimalPort = await freePort();
  const minimal = await startPlainNginx(minimalProxyConfig(minimalPort, BACKEND, backendPort), { host: "127.0.0.1", port: minimalPort });
  const equivalentPort = await freePort();
  const equivalent = await startPlainNginx(equivalentProxyConfig(equivalentPort, BACKEND, backendPort), { host: "127.0.0.1", port: equivalentPort });
  const h = await Harness.start();
  const w = new World();
  try {
    // The backend is not an echo pod: describe it as a Service + EndpointSlice by hand.
    w.services.push({ metadata: { name: "fast", namespace: "default" }, spec: { ports: [{ port: 80 }] } } as Service);
    w.slices.push({
      metadata: { name: "fast-1", namespace: "default", labels: { "kubernetes.io/service-name": "fast" } },
      addressType: "IPv4",
      ports: [{ name: "", port: backendPort }],
      endpoints: [{ addresses: [BACKEND], conditions: { ready: true } }],
    } as EndpointSlice);
    w.ingress("fast", {
      rules: [
        { host: "bench.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "fast", port: { number: 80 } } } }] } },
      ],
    });
    // The machine is shared: runs alternate (minimal, rendered) for ROUNDS rounds and the median
    // ratio is reported, so a burst of someone else's load hits both sides alike.
    const rounds = Number(process.env.ROUNDS ?? 3);
    w.settings = { workerProcesses: 1, accessLog: false };
    await h.apply(w);
    wrk(h.httpPort, "bench.example.com", "2s"); // warm both keepalive pools
    wrk(minimalPort, "bench.example.com", "2s");
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const renderedWorkers = () => h.fx.agent.processIds().workers;
    const minimalWorkers = () => childPids(minimal.pid);
    console.log(`proxied throughput, wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}, backend nginx return 200 on ${BACKEND}, 1 worker each:`);
    for (let i = 1; i <= rounds; i++) {
      const m = wrk(minimalPort, "bench.example.com", DURATION, minimalWorkers);
      const r = wrk(h.httpPort, "bench.example.com", DURATION, renderedWorkers);
      ratios.push(r.rps / m.rps);
      cpuRatios.push(m.cpuUsPerRequest / r.cpuUsPerRequest);
      console.log(
        `  round ${i}: minimal ${m.rps.toFixed(0)} req/s (${m.cpuUsPerRequest.toFixed(1)} us CPU/req), ` +
          `rendered ${r.rps.toFixed(0)} req/s (${r.cpuUsPerRequest.toFixed(1)} us CPU/req), ratio ${((r.rps / m.rps) * 100).toFixed(1)}%` +
          `${m.errors || r.errors ? ` (errors: ${m.errors} ${r.errors})` : ""}`,
      );
    }
    const med = median;
    console.log(
      `  median throughput ratio rendered/minimal (both without access log): ${(med(ratios) * 100).toFixed(1)}%; target >= 95%: ${med(ratios) >= 0.95 ? "MET" : "NOT MET"}`,
    );
    console.log(
      `  median CPU-efficiency ratio (minimal CPU/req over rendered CPU/req, what throughput would be on idle cores): ${(med(cpuRatios) * 100).toFixed(1)}%`,
    );
    // Same headers, hand-written: what the Lua data plane itself costs.
    const eqRatios: number[] = [];
    const eqCpuRatios: number[] = [];
    const equivalentWorkers = () => childPids(equivalent.pid);
    wrk(equivalentPort, "bench.example.com", "2s");
    for (let i = 1; i <= rounds; i++) {
      const e = wrk(equivalentPort, "bench.example.com", DURATION, equivalentWorkers);
      const r = wrk(h.httpPort, "bench.example.com", DURATION, renderedWorkers);
      eqRatios.push(r.rps / e.rps);
      eqCpuRatios.push(e.cpuUsPerRequest / r.cpuUsPerRequest);
      console.log(
        `  round ${i}: hand-written with the same headers ${e.rps.toFixed(0)} req/s (${e.cpuUsPerRequest.toFixed(1)} us CPU/req), ` +
          `rendered ${r.rps.toFixed(0)} req/s (${r.cpuUsPerRequest.toFixed(1)} us CPU/req), ratio ${((r.rps / e.rps) * 100).toFixed(1)}%`,
      );
    }
    console.log(
      `  median throughput ratio rendered/hand-written with the same headers: ${(med(eqRatios) * 100).toFixed(1)}%; target >= 95%: ${med(eqRatios) >= 0.95 ? "MET" : "NOT MET"}`,
    );
    console.log(`  median CPU-efficiency ratio against it: ${(med(eqCpuRatios) * 100).toFixed(1)}%`);
    // The JSON access log (on by default): its cost is rendered-with-log over rendered-without-log
    // (and over the hand-written proxy with the same headers), buffered (the default) and not.
    const logged = { buffered: [] as number[], unbuffered: [] as number[], eqBuffered: [] as number[] };
    for (let i = 1; i <= rounds; i++) {
      w.settings = { workerProcesses: 1, accessLog: false };
      await h.apply(w);
      const off = wrk(h.httpPort, "bench.example.com", DURATION, renderedWorkers);
      const e = wrk(equivalentPort, "bench.example.com", DURATION, equivalentWorkers);
      w.settings = { workerProcesses: 1, accessLog: true };
      await h.apply(w);
      const buf = wrk(h.httpPort, "bench.example.com", DURATION, renderedWorkers);
      w.settings = { workerProcesses: 1, accessLog: true, accessLogBufferKiB: 0 };
      await h.apply(w);
      const unbuf = wrk(h.httpPort, "bench.example.com", DURATION, renderedWorkers);
      logged.buffered.push(buf.rps / off.rps);
      logged.unbuffered.push(unbuf.rps / off.rps);
      logged.eqBuffered.push(buf.rps / e.rps);
      console.log(
        `  round ${i}: rendered without log ${off.rps.toFixed(0)}, with buffered JSON log ${buf.rps.toFixed(0)}, with unbuffered JSON log ${unbuf.rps.toFixed(0)}, ` +
          `hand-written same headers without log ${e.rps.toFixed(0)} req/s`,
      );
    }
    console.log(
      `  median JSON access log throughput, buffered (default 64k, flush 1s) / no log: ${(med(logged.buffered) * 100).toFixed(1)}% ` +
        `(cost under 10%: ${med(logged.buffered) >= 0.9 ? "MET" : "NOT MET"}); unbuffered / no log: ${(med(logged.unbuffered) * 100).toFixed(1)}%`,
    );
    console.log(`  median rendered with buffered JSON log / hand-written same headers without log: ${(med(logged.eqBuffered) * 100).toFixed(1)}%`);
    console.log(
      `  load average during the run: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")} on ${cpus().length} cores`,
    );
  } finally {
    await h.stop();
    await w.stopPods();
    await minimal.stop();
    await equivalent.stop();
    await backend.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
