// Proxied throughput of the rendered config against a hand-written nginx with the same behaviour,
// measured the same way for bench:agent and bench:scale (import measureThroughput from here).
//
// Fair by construction:
// - one backend for both: a second nginx answering `return 200` on 127.0.0.3 (an echo server in
//   node would be the bottleneck and hide the proxy's cost);
// - the hand-written proxy sends the backend the same request headers with the same values (the
//   Host and Upgrade/Connection maps, X-Request-ID, X-Real-IP, X-Forwarded-*), adds the same HSTS
//   response header, and uses the same keep-alive on both sides (upstream `keepalive 320`,
//   60 s, 1000 requests; clients 75 s, 1000 requests; HTTP/1.1 with `Connection ""` when not
//   upgrading). What remains different is Portico's own machinery: the Lua balancer, the upstream
//   name set per location, the server-level variable reset;
// - both run one worker; the same wrk command (`wrk -t2 -c50 -d<duration> -H 'Host: ...'`) hits
//   each in turn, interleaved per round and in alternating order, and the median ratio counts, so a
//   burst of someone else's load on a shared machine hits both alike;
// - beside req/s, each round reads the CPU time the proxies' workers spent (/proc/<pid>/stat), per
//   request: on a busy machine that ratio is the steadier figure.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { childPids } from "../../src/agent/nginx-process.js";
import type { EndpointSlice, Service } from "../../src/core/k8s-types.js";
import type { Settings } from "../../src/core/settings.js";
import { NGINX_TEMP_PATHS, startPlainNginx, returnOkConfig, type PlainNginx } from "../../src/testing/nginx.js";
import { freePort } from "../../src/testing/ports.js";
import { Harness, World } from "../../src/testing/world.js";

export const BENCH_HOST = "bench.example.com";
const BACKEND = "127.0.0.3";

export interface WrkOptions {
  duration: string; // e.g. "5s"
  connections: number;
  threads: number;
}

export interface WrkRun {
  rps: number;
  /** CPU time (user + system) the measured workers spent per request, in microseconds. */
  cpuUsPerRequest: number;
  errors: string;
}

export const DEFAULT_WRK: WrkOptions = { duration: "5s", connections: 50, threads: 2 };

/** The exact load command, for reports. */
export function wrkCommand(o: WrkOptions, port: number | string = "<port>"): string {
  return `wrk -t${o.threads} -c${o.connections} -d${o.duration} -H 'Host: ${BENCH_HOST}' http://127.0.0.1:${port}/`;
}

/** CPU time (user + system, in clock ticks of 10 ms) used so far by these processes. */
function cpuTicks(pids: number[]): number {
  let t = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      t += Number(f[11]) + Number(f[12]); // fields 14 and 15 of stat: utime, stime
    } catch {
      // exited
    }
  }
  return t;
}

/** Runs wrk against 127.0.0.1:port; `workers` names the processes whose CPU is counted. */
export function wrk(port: number, o: WrkOptions, workers: () => number[] = () => []): WrkRun {
  const pids = workers();
  const before = cpuTicks(pids);
  const out = execFileSync("wrk", [`-t${o.threads}`, `-c${o.connections}`, `-d${o.duration}`, "-H", `Host: ${BENCH_HOST}`, `http://127.0.0.1:${port}/`], {
    encoding: "utf8",
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const errors = [/Socket errors:.*/.exec(out)?.[0], /Non-2xx or 3xx responses: \d+/.exec(out)?.[0]].filter(Boolean).join("; ");
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  return { rps, errors, cpuUsPerRequest: ((cpuTicks(pids) - before) * 10_000) / requests };
}

export function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** Plain proxying with only Host set: the floor any proxy pays (reported for context). */
export function minimalProxyConfig(port: number, backendPort: number): string {
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

/** What an operator would write by hand for the same behaviour as the rendered config of one
 * plain Ingress (default settings, access log off): same headers, same keep-alive, no Lua. */
export function sameBehaviourProxyConfig(port: number, backendPort: number): string {
  return `worker_processes 1;
pid nginx.pid;
error_log logs/error.log warn;
events { worker_connections 16384; multi_accept on; }
http {
  access_log off;
${NGINX_TEMP_PATHS}
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  server_tokens off;
  keepalive_timeout 75s;
  keepalive_requests 1000;
  map $http_host $best_http_host { default $http_host; "" $host; }
  map $http_upgrade $connection_upgrade { default upgrade; "" ""; }
  map $scheme $hsts { https "max-age=31536000; includeSubDomains"; default ""; }
  add_header Strict-Transport-Security $hsts always;
  upstream backend {
    server ${BACKEND}:${backendPort};
    keepalive 320;
    keepalive_timeout 60s;
    keepalive_requests 1000;
  }
  server {
    listen 127.0.0.1:${port};
    server_name ${BENCH_HOST};
    location / {
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $best_http_host;
      proxy_set_header X-Request-ID $request_id;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $best_http_host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Scheme $scheme;
      proxy_redirect off;
      proxy_pass http://backend;
    }
  }
}
`;
}

/** The three proxies and their backend, ready to measure. stop() ends them all. */
export interface ThroughputRig {
  backendPort: number;
  rendered: { port: number; workers: () => number[] };
  sameBehaviour: { port: number; workers: () => number[] };
  minimal: { port: number; workers: () => number[] };
  /** Re-renders the rendered proxy with these settings (workerProcesses 1 is kept). */
  setSettings(settings: Partial<Settings>): Promise<void>;
  stop(): Promise<void>;
}

export async function startThroughputRig(): Promise<ThroughputRig> {
  const started: PlainNginx[] = [];
  const backendPort = await freePort(BACKEND);
  started.push(await startPlainNginx(returnOkConfig(BACKEND, backendPort, 1), { host: BACKEND, port: backendPort }));
  const minimalPort = await freePort();
  const minimal = await startPlainNginx(minimalProxyConfig(minimalPort, backendPort), { host: "127.0.0.1", port: minimalPort });
  started.push(minimal);
  const samePort = await freePort();
  const same = await startPlainNginx(sameBehaviourProxyConfig(samePort, backendPort), { host: "127.0.0.1", port: samePort });
  started.push(same);
  const h = await Harness.start();
  const w = new World();
  // The backend is not an echo pod: describe it as a Service + EndpointSlice by hand.
  w.services.push({ metadata: { name: "fast", namespace: "default" }, spec: { ports: [{ port: 80 }] } } as Service);
  w.slices.push({
    metadata: { name: "fast-1", namespace: "default", labels: { "kubernetes.io/service-name": "fast" } },
    addressType: "IPv4",
    ports: [{ name: "", port: backendPort }],
    endpoints: [{ addresses: [BACKEND], conditions: { ready: true } }],
  } as EndpointSlice);
  w.ingress("fast", {
    rules: [{ host: BENCH_HOST, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "fast", port: { number: 80 } } } }] } }],
  });
  const setSettings = async (settings: Partial<Settings>) => {
    w.settings = { ...settings, workerProcesses: 1 };
    await h.apply(w);
  };
  await setSettings({ accessLog: false });
  return {
    backendPort,
    rendered: { port: h.httpPort, workers: () => h.fx.agent.processIds().workers },
    sameBehaviour: { port: samePort, workers: () => childPids(same.pid) },
    minimal: { port: minimalPort, workers: () => childPids(minimal.pid) },
    setSettings,
    async stop() {
      await h.stop();
      await w.stopPods();
      for (const n of started.reverse()) await n.stop();
    },
  };
}

export interface ThroughputRound {
  rendered: WrkRun;
  sameBehaviour: WrkRun;
  minimal: WrkRun;
}

export interface ThroughputResult {
  /** Median over rounds of rendered req/s / same-behaviour req/s. */
  ratio: number;
  /** Median over rounds of same-behaviour CPU per request / rendered CPU per request. */
  cpuRatio: number;
  /** Median of rendered req/s / minimal (Host-only) req/s, for context. */
  ratioToMinimal: number;
  rounds: ThroughputRound[];
  command: string;
  /** 1, 5 and 15 minute load averages at the end, and the number of cores. */
  loadAverage: number[];
  cores: number;
}

/** Interleaved rounds of the same wrk run against the three proxies (order alternates per round). */
export function measureRounds(rig: ThroughputRig, rounds: number, o: WrkOptions = DEFAULT_WRK): ThroughputResult {
  const warm = { ...o, duration: "2s" };
  for (const p of [rig.rendered, rig.sameBehaviour, rig.minimal]) wrk(p.port, warm);
  const out: ThroughputRound[] = [];
  for (let i = 0; i < rounds; i++) {
    const run = (p: { port: number; workers: () => number[] }) => wrk(p.port, o, p.workers);
    const r: Partial<ThroughputRound> = {};
    if (i % 2 === 0) {
      r.sameBehaviour = run(rig.sameBehaviour);
      r.rendered = run(rig.rendered);
      r.minimal = run(rig.minimal);
    } else {
      r.minimal = run(rig.minimal);
      r.rendered = run(rig.rendered);
      r.sameBehaviour = run(rig.sameBehaviour);
    }
    out.push(r as ThroughputRound);
  }
  return {
    ratio: median(out.map((r) => r.rendered.rps / r.sameBehaviour.rps)),
    cpuRatio: median(out.map((r) => r.sameBehaviour.cpuUsPerRequest / r.rendered.cpuUsPerRequest)),
    ratioToMinimal: median(out.map((r) => r.rendered.rps / r.minimal.rps)),
    rounds: out,
    command: wrkCommand(o),
    loadAverage: loadavg(),
    cores: cpus().length,
  };
}

/** The whole measurement in one call (bench:scale): start, measure, stop. */
export async function measureThroughput(rounds = 5, o: WrkOptions = DEFAULT_WRK): Promise<ThroughputResult> {
  const rig = await startThroughputRig();
  try {
    return measureRounds(rig, rounds, o);
  } finally {
    await rig.stop();
  }
}
