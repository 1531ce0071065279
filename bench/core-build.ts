// Benchmark: build + render 10,000 Ingresses (20,000 paths, 2,000 TLS hosts with distinct
// certificates, 10,000 Services and EndpointSlices). Reports the cold first build (parses every
// certificate), the median of warm builds, heap figures and, with --nginx-t, nginx -t of the result.
// Run: npm run bench:core   (node --expose-gc --max-old-space-size=300: finishing proves the heap
// never needed more than 300 MB of old space).

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { build, DEFAULT_RENDER_OPTIONS, hashesOf } from "../src/core/build.js";
import { buildModel } from "../src/core/model/build-model.js";
import { render } from "../src/core/render/render.js";
import type { Snapshot } from "../src/core/contract.js";
import type { EndpointSlice, Ingress, Secret, Service } from "../src/core/k8s-types.js";
import { DEFAULT_SETTINGS } from "../src/core/settings.js";
import { NginxPrefix } from "../src/testing/nginx-prefix.js";

const INGRESSES = 10_000;
const TLS_HOSTS = 2_000;
const RUNS = 7;
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

function certificates(n: number): { crt: string; key: string }[] {
  const dir = join(tmpdir(), "portico-bench-certs");
  mkdirSync(dir, { recursive: true });
  const key = join(dir, "key.pem");
  if (!existsSync(key)) execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
  const out: { crt: string; key: string }[] = [];
  const keyPem = readFileSync(key, "utf8");
  const missing: number[] = [];
  for (let i = 0; i < n; i++) if (!existsSync(join(dir, `${i}.crt`))) missing.push(i);
  if (missing.length) {
    process.stdout.write(`generating ${missing.length} certificates in ${dir} (once)...\n`);
    // One shell for all of them: far cheaper than one spawn per certificate from node.
    const script = missing
      .map(
        (i) =>
          `openssl req -new -x509 -key key.pem -days 3650 -subj /CN=app-${i}.example.com -addext subjectAltName=DNS:app-${i}.example.com -out ${i}.crt 2>/dev/null`,
      )
      .join("\n");
    writeFileSync(join(dir, "generate.sh"), script + "\n");
    execFileSync("bash", ["generate.sh"], { cwd: dir });
  }
  for (let i = 0; i < n; i++) out.push({ crt: readFileSync(join(dir, `${i}.crt`), "utf8"), key: keyPem });
  return out;
}

function snapshotOf(certs: { crt: string; key: string }[]): Snapshot {
  const ingresses: Ingress[] = [];
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  const secrets: Secret[] = [];
  for (let i = 0; i < INGRESSES; i++) {
    const ns = `team-${i % 50}`;
    const host = `app-${i}.example.com`;
    const tls = i < TLS_HOSTS;
    ingresses.push({
      metadata: {
        name: `app-${i}`,
        namespace: ns,
        creationTimestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
        annotations: i % 10 === 0 ? { "nginx.ingress.kubernetes.io/proxy-body-size": "8m", "nginx.ingress.kubernetes.io/proxy-read-timeout": "120" } : {},
      },
      spec: {
        ingressClassName: "portico",
        ...(tls ? { tls: [{ hosts: [host], secretName: `app-${i}-tls` }] } : {}),
        rules: [
          {
            host,
            http: {
              paths: [
                { path: "/", pathType: "Prefix", backend: { service: { name: `svc-${i}`, port: { name: "http" } } } },
                { path: `/api/v${i % 3}`, pathType: i % 2 ? "Exact" : "Prefix", backend: { service: { name: `svc-${i}`, port: { number: 9090 } } } },
              ],
            },
          },
        ],
      },
    });
    services.push({
      metadata: { name: `svc-${i}`, namespace: ns },
      spec: {
        ports: [
          { name: "http", port: 80 },
          { name: "api", port: 9090 },
        ],
      },
    });
    const base = i * 3;
    endpointSlices.push({
      metadata: { name: `svc-${i}-abcde`, namespace: ns, labels: { "kubernetes.io/service-name": `svc-${i}` } },
      addressType: "IPv4",
      ports: [
        { name: "http", port: 8080 },
        { name: "api", port: 9090 },
      ],
      endpoints: [0, 1, 2].map((k) => ({
        addresses: [`10.${((base + k) >> 16) & 255}.${((base + k) >> 8) & 255}.${(base + k) & 255}`],
        conditions: { ready: k !== 2 || i % 7 !== 0 },
      })),
    });
    if (tls) {
      secrets.push({
        metadata: { name: `app-${i}-tls`, namespace: ns },
        type: "kubernetes.io/tls",
        data: { "tls.crt": Buffer.from(certs[i]!.crt).toString("base64"), "tls.key": Buffer.from(certs[i]!.key).toString("base64") },
      });
    }
  }
  return {
    controller: { namespace: "portico-system", name: "portico", ingressClassNames: ["portico"], servesDefaultClass: false },
    settings: DEFAULT_SETTINGS,
    ingresses,
    ingressClasses: [],
    services,
    endpointSlices,
    secrets,
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn("run with --expose-gc for heap figures (npm run bench:core does)");

const snapshot = snapshotOf(certificates(TLS_HOSTS));
gc?.();
const baseline = process.memoryUsage().heapUsed;

let t = performance.now();
const first = build(snapshot);
const cold = performance.now() - t;
const afterFirst = process.memoryUsage().heapUsed;

const times: number[] = [];
const cpuTimes: number[] = [];
let peak = afterFirst;
for (let i = 0; i < RUNS; i++) {
  gc?.();
  t = performance.now();
  const c = process.cpuUsage();
  const r = build(snapshot);
  times.push(performance.now() - t);
  const dc = process.cpuUsage(c);
  cpuTimes.push((dc.user + dc.system) / 1000);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  if (r.state.hashes.all !== first.state.hashes.all) throw new Error("non-deterministic build");
}
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);
gc?.();
const retained = process.memoryUsage().heapUsed;

const s = first.state;
console.log(
  `core build: ${INGRESSES} Ingresses, ${snapshot.ingresses.reduce((n, i) => n + (i.spec?.rules?.[0]?.http?.paths.length ?? 0), 0)} paths, ${TLS_HOSTS} TLS hosts`,
);
console.log(
  `  output: nginx.conf ${mb(s.config.length)} MB, ${Object.keys(s.endpoints).length} upstreams, ${Object.keys(s.certificates).length} certificates, ${first.diagnostics.length} diagnostics`,
);
console.log(`  cold build (parses ${TLS_HOSTS} certificates): ${cold.toFixed(0)} ms`);
console.log(`  warm build median of ${RUNS}: ${times[Math.floor(RUNS / 2)]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[RUNS - 1]!.toFixed(0)})`);
console.log(`  warm build CPU time (all threads, incl. GC helpers) median: ${cpuTimes[Math.floor(RUNS / 2)]!.toFixed(0)} ms (min ${cpuTimes[0]!.toFixed(0)})`);
console.log(`  heap: snapshot baseline ${mb(baseline)} MB, highest heapUsed after a build ${mb(peak)} MB, retained after GC ${mb(retained)} MB`);
console.log(
  `  process: max RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB (old space limited by --max-old-space-size if set: ${process.execArgv.join(" ") || "none"})`,
);
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
console.log(
  `  targets: warm build < 1000 ms -> ${verdict(times[Math.floor(RUNS / 2)]! < 1000)}; cold build < 1000 ms -> ${verdict(cold < 1000)}; heap < 300 MB -> ${verdict(peak < 300 * 1024 * 1024)}`,
);

{
  // Phase split of one more warm build (same work as build()).
  gc?.();
  const t0 = performance.now();
  const m = buildModel(snapshot, { reservedPorts: [80, 443, 10246, 8181], httpsPort: 443 });
  const t1 = performance.now();
  const config = render(m, snapshot.settings, DEFAULT_RENDER_OPTIONS);
  const t2 = performance.now();
  hashesOf(config, m.endpoints, m.sniCertificates, m.certificates);
  const t3 = performance.now();
  console.log(`  phases (one warm build): model ${(t1 - t0).toFixed(0)} ms, render ${(t2 - t1).toFixed(0)} ms, hashes ${(t3 - t2).toFixed(0)} ms`);
}
console.log(
  `  load average while measuring: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} on ${cpus().length} CPUs`,
);

const writeAt = process.argv.indexOf("--write");
if (writeAt > 0) writeFileSync(process.argv[writeAt + 1]!, s.config);

if (process.argv.includes("--nginx-t")) {
  const prefix = new NginxPrefix();
  try {
    t = performance.now();
    const err = prefix.test(s.config);
    console.log(`  nginx -t: ${err ? `FAILED ${err}` : "ok"} in ${(performance.now() - t).toFixed(0)} ms`);
  } finally {
    prefix.remove();
  }
}
