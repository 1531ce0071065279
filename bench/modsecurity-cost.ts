// Benchmark: what the ModSecurity module costs the Ingresses that do not use it. The same config
// (N plain Ingresses, one of which is measured) is applied three ways: no Ingress enables
// ModSecurity (the module is not loaded: Portico's config is then byte-identical to one without
// the feature), one other Ingress enables it (module loaded, base rules at http level), and one
// other Ingress enables it with the Core Rule Set (CRS parsed at http level). For each: proxied
// throughput of the plain Ingress (wrk, backend nginx `return 200`, 1 worker), the worker's memory
// (RSS and PSS from /proc/<pid>/smaps_rollup) and the time to apply the config (nginx -t + reload).
// Runs alternate (A, B, C per round) so a burst of someone else's load hits all alike.
// Run: npx tsx bench/modsecurity-cost.ts   (INGRESSES=500 DURATION=5s ROUNDS=3 CONNECTIONS=50 THREADS=2)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import type { EndpointSlice, Service } from "../src/core/k8s-types.js";
import { startPlainNginx, returnOkConfig } from "../src/testing/nginx.js";
import { freePort } from "../src/testing/ports.js";
import { Harness, World } from "../src/testing/world.js";

const DURATION = process.env.DURATION ?? "5s";
const CONNECTIONS = process.env.CONNECTIONS ?? "50";
const THREADS = process.env.THREADS ?? "2";
const INGRESSES = Number(process.env.INGRESSES ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const BACKEND = "127.0.0.3";
const A = "nginx.ingress.kubernetes.io/";

function wrk(port: number, host: string, duration = DURATION): number {
  const out = execFileSync("wrk", [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${duration}`, "-H", `Host: ${host}`, `http://127.0.0.1:${port}/`], {
    encoding: "utf8",
  });
  if (/Non-2xx/.test(out)) throw new Error(`wrk: non-2xx answers\n${out}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
}

/** RSS and PSS of a process in MiB. */
function memory(pid: number): { rss: number; pss: number } {
  const s = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN);
  return { rss: kib("Rss") / 1024, pss: kib("Pss") / 1024 };
}

type Variant = "off" | "loaded" | "crs";

async function main() {
  const backendPort = await freePort(BACKEND);
  const backend = await startPlainNginx(returnOkConfig(BACKEND, backendPort, 1), { host: BACKEND, port: backendPort });
  const h = await Harness.start();
  const w = new World();
  try {
    w.services.push({ metadata: { name: "fast", namespace: "default" }, spec: { ports: [{ port: 80 }] } } as Service);
    w.slices.push({
      metadata: { name: "fast-1", namespace: "default", labels: { "kubernetes.io/service-name": "fast" } },
      addressType: "IPv4",
      ports: [{ name: "", port: backendPort }],
      endpoints: [{ addresses: [BACKEND], conditions: { ready: true } }],
    } as EndpointSlice);
    const rule = (host: string) => ({
      rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: { service: { name: "fast", port: { number: 80 } } } }] } }],
    });
    w.ingress("fast", rule("bench.example.com"));
    for (let i = 0; i < INGRESSES - 1; i++) w.ingress(`plain-${i}`, rule(`plain-${i}.example.com`));
    const waf = w.ingress("waf", rule("waf.example.com"));
    w.settings = { workerProcesses: 1, accessLog: false };

    const set = async (v: Variant): Promise<number> => {
      waf.metadata.annotations = v === "off" ? {} : { [`${A}enable-modsecurity`]: "true", ...(v === "crs" ? { [`${A}enable-owasp-core-rules`]: "true" } : {}) };
      const t0 = performance.now();
      const r = await h.apply(w);
      const ms = performance.now() - t0;
      const loaded = r.state.config.includes("ngx_http_modsecurity_module.so");
      if (loaded !== (v !== "off")) throw new Error(`variant ${v}: module loaded = ${loaded}`);
      return ms;
    };
    const variants: Variant[] = ["off", "loaded", "crs"];
    const results: Record<Variant, { rps: number[]; rss: number[]; pss: number[]; applyMs: number[] }> = {
      off: { rps: [], rss: [], pss: [], applyMs: [] },
      loaded: { rps: [], rss: [], pss: [], applyMs: [] },
      crs: { rps: [], rss: [], pss: [], applyMs: [] },
    };
    console.log(
      `ModSecurity cost for an Ingress that does not use it: ${INGRESSES} plain Ingresses, wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}, 1 worker`,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      for (const v of variants) {
        const applyMs = await set(v);
        wrk(h.httpPort, "bench.example.com", "1s"); // warm the new worker's keepalive pool
        const rps = wrk(h.httpPort, "bench.example.com");
        const workers = h.fx.agent.processIds().workers;
        const mem = memory(workers[0]!);
        const r = results[v];
        r.rps.push(rps);
        r.rss.push(mem.rss);
        r.pss.push(mem.pss);
        r.applyMs.push(applyMs);
        console.log(
          `  round ${round} ${v.padEnd(6)}: ${rps.toFixed(0)} req/s, worker RSS ${mem.rss.toFixed(1)} MiB, PSS ${mem.pss.toFixed(1)} MiB, apply ${applyMs.toFixed(0)} ms`,
        );
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const base = results.off;
    for (const v of variants) {
      const r = results[v];
      console.log(
        `  median ${v.padEnd(6)}: ${med(r.rps).toFixed(0)} req/s (${((med(r.rps) / med(base.rps)) * 100).toFixed(1)}% of off), ` +
          `worker RSS ${med(r.rss).toFixed(1)} MiB (+${(med(r.rss) - med(base.rss)).toFixed(1)}), PSS ${med(r.pss).toFixed(1)} MiB (+${(med(r.pss) - med(base.pss)).toFixed(1)}), apply ${med(r.applyMs).toFixed(0)} ms`,
      );
    }
    console.log(
      `  load average during the run: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")} on ${cpus().length} cores`,
    );
    console.log(
      JSON.stringify({
        ingresses: INGRESSES,
        ...Object.fromEntries(
          variants.map((v) => [
            v,
            { rps: Math.round(med(results[v].rps)), workerRssMiB: +med(results[v].rss).toFixed(1), applyMs: Math.round(med(results[v].applyMs)) },
          ]),
        ),
      }),
    );
  } finally {
    await h.stop();
    await w.stopPods();
    await backend.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
