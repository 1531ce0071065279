// Proxied throughput measurement (bench:agent's throughput part and bench:scale): wrk against a
// proxy, the CPU its workers spent per request, and the hand-written nginx proxies Portico's
// rendered config is compared with (keep-alive to the backend; optionally the same headers).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { NGINX_TEMP_PATHS } from "../../src/testing/nginx.js";

export const DURATION = process.env.DURATION ?? "5s";
export const CONNECTIONS = process.env.CONNECTIONS ?? "50";
export const THREADS = process.env.THREADS ?? "2";

/** CPU time (user + system, in clock ticks of 10 ms) used so far by these processes. */
export function cpuTicks(pids: number[]): number {
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

export interface WrkResult {
  rps: number;
  errors: string;
  cpuUsPerRequest: number;
}

/** Runs wrk; also returns the CPU the proxy's workers spent per request (robust on a busy machine). */
export function wrk(port: number, host: string, duration = DURATION, workers: () => number[] = () => []): WrkResult {
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

/** A minimal hand-written proxy: one worker, keep-alive upstream, Host passed on, no access log. */
export function minimalProxyConfig(port: number, backend: string, backendPort: number): string {
  return `worker_processes 1;
pid nginx.pid;
error_log logs/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
${NGINX_TEMP_PATHS}
  upstream backend { server ${backend}:${backendPort}; keepalive 320; }
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
export function equivalentProxyConfig(port: number, backend: string, backendPort: number): string {
  return minimalProxyConfig(port, backend, backendPort).replace(
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

export interface Side {
  port: number;
  host: string;
  workers: () => number[];
}

/** Alternating wrk runs (reference, then measured) for `rounds` rounds, so a burst of someone
 * else's load hits both sides alike; per round the throughput and CPU-efficiency ratios. */
export function alternate(
  reference: Side,
  measured: Side,
  rounds: number,
  duration = DURATION,
): { ref: WrkResult; got: WrkResult; ratio: number; cpuRatio: number }[] {
  const out = [];
  for (let i = 0; i < rounds; i++) {
    const ref = wrk(reference.port, reference.host, duration, reference.workers);
    const got = wrk(measured.port, measured.host, duration, measured.workers);
    out.push({ ref, got, ratio: got.rps / ref.rps, cpuRatio: ref.cpuUsPerRequest / got.cpuUsPerRequest });
  }
  return out;
}
