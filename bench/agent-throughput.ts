// Benchmark: proxied throughput through the rendered config (core's build() applied by the agent)
// vs a hand-written minimal nginx doing the same plain proxying (upstream with keepalive), to the
// same backend, with the same load tool: wrk, alternating runs (see ROUNDS).
// The backend is a second nginx answering `return 200` on 127.0.0.3: the echo server (node) would
// be the bottleneck and hide the proxy's cost. All three nginx run 1 worker; wrk 2 threads.
// Run: npx tsx bench/agent-throughput.ts   (DURATION=5s ROUNDS=3 CONNECTIONS=50 THREADS=2)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { childPids } from "../src/agent/nginx-process.js";
import type { EndpointSlice, Service } from "../src/core/k8s-types.js";
import { NGINX_TEMP_PATHS, startPlainNginx, returnOkConfig } from "../src/testing/nginx.js";
import { freePort } from "../src/testing/ports.js";
import { Harness, World } from "../src/testing/world.js";

const DURATION = process.env.DURATION ?? "5s";
const CONNECTIONS = process.env.CONNECTIONS ?? "50";
const THREADS = process.env.THREADS ?? "2";
const BACKEND = "127.0.0.3";

/** CPU time (user + system, in clock ticks of 10 ms) used so far by these processes. */
function cpuTicks(pids: number[]): number {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8")
        .slice(readFileSync(`/proc/${pid}/stat`, "utf8").lastIndexOf(")") + 2)
        .split(" ");
      t += Number(f[11]) + Number(f[12]); // fields 14 and 15 of stat: utime, stime
    } catch {
      // exited
    }
  }
  return t;
}

/** Runs wrk; also returns the CPU the proxy's workers spent per request (robust on a busy machine). */
function wrk(port: number, host: string, duration = DURATION, workers: () => number[] = () => []): { rps: number; errors: string; cpuUsPerRequest: number } {
  const pids = workers();
  const before = cpuTicks(pids);
  const out = execFileSync("wrk", [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${duration}`, "-H", `Host: ${host}`, `http://127.0.0.1:${port}/`], {
    encoding: "utf8",
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const errors = [/Socket errors:.*/.exec(out)?.[0], /Non-2xx or 3xx responses: \d+/.exec(out)?.[0]].filter(Boolean).join("; ");
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const cpuUsPerRequest = ((cpuTicks(pids) - before) * 10_000) / requests;
  return { rps, errors, cpuUsPerRequest };
}

function minimalProxyConfig(port: number, backendPort: number): string {
  return `worker_processes 1;
pid nginx.pid;
error_log logs/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
${NGINX_TEMP_PATHS}
  upstream backend { server ${BACKEND}:${backendPort}; keepalive 320; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_pass http://backend;
    }
  }
}
`;
}

/** The same minimal proxy, hand-written, but sending the backend the same request headers the
 * rendered config sends (Host, X-Request-ID, X-Real-IP, X-Forwarded-*): the comparison that isolates
 * what Portico's structure costs (Lua balancer and access check) from what the headers cost. */
function equivalentProxyConfig(port: number, backendPort: number): string {
  return minimalProxyConfig(port, backendPort).replace(
    `      proxy_set_header Host $host;`,
    [
      "      proxy_set_header Host $host;",
      "      proxy_set_header X-Request-ID $request_id;",
      "      proxy_set_header X-Real-IP $remote_addr;",
      "      proxy_set_header X-Forwarded-For $remote_addr;",
      "      proxy_set_header X-Forwarded-Proto $scheme;",
      "      proxy_set_header X-Forwarded-Host $host;",
      "      proxy_set_header X-Forwarded-Port $server_port;",
      "      proxy_set_header X-Scheme $scheme;",
    ].join("\n"),
  );
}

async function main() {
  const backendPort = await freePort(BACKEND);
  const backend = await startPlainNginx(returnOkConfig(BACKEND, backendPort, 1), { host: BACKEND, port: backendPort });
  const minimalPort = await freePort();
  const minimal = await startPlainNginx(minimalProxyConfig(minimalPort, backendPort), { host: "127.0.0.1", port: minimalPort });
  const equivalentPort = await freePort();
  const equivalent = await startPlainNginx(equivalentProxyConfig(equivalentPort, backendPort), { host: "127.0.0.1", port: equivalentPort });
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
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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
