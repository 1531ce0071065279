// Benchmark: admission latency of an Ingress create with 10,000 Ingresses in the index.
//  1. validator: validateIngress() in-process against an AdmissionState holding 10,000 Ingresses
//     (20,000 routes) and 500 TLS Secrets; the candidate has 3 paths, annotations and a TLS Secret.
//  2. webhook: the Pepr module as a local process in admission-only mode (as in an admission pod)
//     on a real API server holding 10,000 Ingresses; AdmissionReviews POSTed over HTTPS
//     (keep-alive), sequentially, each a create of a new Ingress. Skipped with --no-webhook.
// Run: npm run bench:admission [-- --no-webhook] [--ingresses N] [--requests N]
// Target: p99 < 20 ms at the webhook.

import { Agent, request as httpsRequest } from "node:https";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { cpus, loadavg } from "node:os";
import type { Ingress } from "../src/core/k8s-types.js";
import { validateIngress } from "../src/admission/ingress.js";
import { AdmissionState } from "../src/admission/state.js";
import { makeCert, tlsSecret } from "../src/admission/testing/certs.js";
import { ourClass, request } from "../src/admission/testing/fixtures.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const INGRESSES = arg("ingresses", 10_000);
const REQUESTS = arg("requests", 2_000);
const WEBHOOK = !process.argv.includes("--no-webhook");
const SECRETS = 500;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const ms = (x: number) => `${x.toFixed(3)} ms`;
function report(what: string, r: ReturnType<typeof stats>) {
  console.log(`${what}: n=${r.n} p50=${ms(r.p50)} p90=${ms(r.p90)} p99=${ms(r.p99)} max=${ms(r.max)} mean=${ms(r.mean)}`);
}

function population(n: number, ns = "bench"): Ingress[] {
  const out: Ingress[] = [];
  for (let i = 0; i < n; i++) {
    const host = `app${i % 2000}.t${Math.floor(i / 2000)}.example.com`;
    out.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: `ing-${i}`, namespace: ns, annotations: i % 3 === 0 ? { "nginx.ingress.kubernetes.io/proxy-read-timeout": "30" } : undefined },
      spec: {
        ingressClassName: "portico",
        rules: [
          {
            host,
            http: {
              paths: [
                { path: `/svc-${i}`, pathType: "Prefix", backend: { service: { name: `svc-${i % 500}`, port: { number: 80 } } } },
                { path: `/svc-${i}/exact`, pathType: "Exact", backend: { service: { name: `svc-${i % 500}`, port: { name: "http" } } } },
              ],
            },
          },
        ],
        tls: i % 20 === 0 ? [{ hosts: [host], secretName: `tls-${i % SECRETS}` }] : undefined,
      },
    });
  }
  return out;
}

function candidate(k: number, ns = "bench"): Ingress {
  const host = `new${k}.example.com`;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: `new-${k}`,
      namespace: ns,
      annotations: {
        "nginx.ingress.kubernetes.io/use-regex": "true",
        "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
      },
    },
    spec: {
      ingressClassName: "portico",
      rules: [
        {
          host,
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } },
              { path: "/api/v[0-9]+/(.*)", pathType: "ImplementationSpecific", backend: { service: { name: "api", port: { name: "http" } } } },
              { path: "/healthz", pathType: "Exact", backend: { service: { name: "web", port: { number: 80 } } } },
            ],
          },
        },
      ],
      tls: [{ hosts: [host], secretName: "wildcard-tls" }],
    },
  };
}

function benchValidator(): ReturnType<typeof stats> {
  const st = new AdmissionState();
  st.replaceAll("IngressClass", [ourClass("portico", { isDefault: true })]);
  const cert = makeCert({ dnsNames: ["*.example.com", "example.com"] });
  const secrets = Array.from({ length: SECRETS }, (_, i) => tlsSecret("bench", `tls-${i}`, cert));
  secrets.push(tlsSecret("bench", "wildcard-tls", cert));
  st.replaceAll("Secret", secrets);
  const t0 = performance.now();
  st.replaceAll("Ingress", population(INGRESSES));
  console.log(`index: ${st.index.size} Ingresses loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  const samples: number[] = [];
  for (let k = 0; k < REQUESTS + 200; k++) {
    const req = request(candidate(k), "CREATE");
    const start = performance.now();
    const v = validateIngress(req, st.context());
    const took = performance.now() - start;
    if (!v.allowed) throw new Error(`bench candidate denied: ${v.reasons.join("; ")}`);
    if (k >= 200) samples.push(took); // first 200 warm the JIT and the certificate cache
  }
  // Sanity: a conflicting create is found through the index.
  const conflict = validateIngress(request({ ...population(1)[0]!, metadata: { name: "dup", namespace: "bench" } }), st.context());
  if (conflict.allowed) throw new Error("bench: conflict not detected");
  return stats(samples);
}

async function benchWebhook(): Promise<ReturnType<typeof stats>> {
  const { startCluster, waitUntil } = await import("../src/local/cluster/index.js");
  const { startPeprModule } = await import("../src/local/pepr-process.js");
  const { bindingsOnly } = await import("../capabilities/index.js");
  const c = await startCluster();
  let pepr: Awaited<ReturnType<typeof startPeprModule>> | undefined;
  try {
    await c.apply([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } },
      { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "portico" }, spec: { controller: "portico.dev/ingress-controller" } },
    ]);
    const cert = makeCert({ dnsNames: ["*.example.com", "example.com"] });
    await c.apply([tlsSecret("bench", "wildcard-tls", cert)]);
    const all = population(INGRESSES);
    const t0 = performance.now();
    for (let i = 0; i < all.length; i += 1000) {
      await c.kubectlOk(["create", "-f", "-"], {
        input: JSON.stringify({ apiVersion: "v1", kind: "List", items: all.slice(i, i + 1000) }),
        timeoutMs: 300_000,
      });
    }
    console.log(`cluster: ${all.length} Ingresses created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    pepr = await startPeprModule({
      kubeconfig: c.kubeconfig,
      workDir: join(c.dir, "pepr-bench"),
      capabilities: bindingsOnly().filter((c) => c.name === "portico-admission"),
      // Admission only, as in Pepr's admission pods: no Watch bindings, the admission informer only.
      env: { PEPR_MODE: "", PEPR_WATCH_MODE: "false", PORTICO_LOG_LEVEL: "warn", LOG_LEVEL: "warn" },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: pepr.caPem });
    const post = (body: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: "127.0.0.1",
            port: pepr!.port,
            path: "/validate/portico-local",
            method: "POST",
            agent,
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          },
          (res) => {
            let data = "";
            res.on("data", (d) => (data += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const review = (obj: Ingress, uid: string) =>
      JSON.stringify({
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        request: {
          uid,
          kind: { group: "networking.k8s.io", version: "v1", kind: "Ingress" },
          resource: { group: "networking.k8s.io", version: "v1", resource: "ingresses" },
          operation: "CREATE",
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          object: obj,
          userInfo: { username: "bench" },
        },
      });
    // Synced when the last Ingress's route is known: a copy of it must be denied as a conflict.
    const last = all[all.length - 1]!;
    await waitUntil(
      "admission informer to index every Ingress",
      async () => {
        const r = await post(review({ ...last, metadata: { ...last.metadata, name: "dup" } }, "sync"));
        return r.status === 200 && JSON.parse(r.body).response.allowed === false;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const samples: number[] = [];
    for (let k = 0; k < REQUESTS + 200; k++) {
      const body = review(candidate(k), `u-${k}`);
      const start = performance.now();
      const r = await post(body);
      const took = performance.now() - start;
      if (r.status !== 200 || JSON.parse(r.body).response.allowed !== true) throw new Error(`webhook answered ${r.status} ${r.body.slice(0, 300)}`);
      if (k >= 200) samples.push(took);
    }
    agent.destroy();
    return stats(samples);
  } finally {
    await pepr?.stop();
    await c.stop();
  }
}

console.log(
  `admission latency bench: ${INGRESSES} Ingresses, ${REQUESTS} requests; ${cpus().length} CPUs, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
const v = benchValidator();
report("validator (in-process validateIngress)", v);
if (WEBHOOK) {
  const w = await benchWebhook();
  report("webhook (HTTPS AdmissionReview -> Pepr -> validateIngress)", w);
  console.log(w.p99 < 20 ? `PASS: webhook p99 ${ms(w.p99)} < 20 ms` : `FAIL: webhook p99 ${ms(w.p99)} >= 20 ms`);
  process.exitCode = w.p99 < 20 ? 0 : 1;
}
