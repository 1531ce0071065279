// Benchmark: IngressController create -> every child applied, and spec change -> children updated,
// on the local control plane. The operator runs as in the module (its queue, drift watches), fed by
// a watch on IngressControllers (what Pepr's Reconcile binding does). Time is measured from the
// API server accepting the write to the operator finishing the reconcile that applied that
// generation (children applied, old ones pruned, status written).
// Usage: npm run bench:operator [-- --runs 20]

import { K8s } from "kubernetes-fluent-client";
import { startCluster } from "../src/local/cluster/index.js";
import { request as apiRequest } from "../src/k8s/client.js";
import { IngressControllerKind } from "../src/api/kind.js";
import { Operator } from "../src/operator/operator.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;
const NS = "bench";

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const c = await startCluster();
const waiters = new Map<string, (ms: number) => void>();
let op: Operator | undefined;
let watch: { close(): void } | undefined;
try {
  process.env.KUBECONFIG = c.kubeconfig;
  await c.kubectlOk(["apply", "--server-side", "-f", "crds/ingresscontroller.yaml"]);
  await c.kubectlOk(["wait", "--for=condition=Established", "crd/ingresscontrollers.portico.dev", "--timeout=60s"]);
  await c.kubectlOk(["create", "namespace", NS]);

  op = new Operator({
    resyncSeconds: 0,
    onResult: (key, r) => {
      if (r.outcome !== "applied") return;
      const w = waiters.get(`${key}@${r.generation}`);
      if (w) w(performance.now());
    },
  });
  await op.start();
  watch = K8s(IngressControllerKind).Watch((ic) => op!.enqueue(ic.metadata?.namespace ?? "", ic.metadata?.name ?? ""));
  await (watch as unknown as { start(): Promise<unknown> }).start();

  const waitFor = (key: string, gen: number) => new Promise<number>((resolve) => waiters.set(`${key}@${gen}`, resolve));
  const create: number[] = [];
  const update: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const name = `bench-${i}`;
    const applied1 = waitFor(`${NS}/${name}`, 1);
    const t0 = performance.now();
    await apiRequest("POST", `/apis/portico.dev/v1alpha1/namespaces/${NS}/ingresscontrollers`, {
      body: { apiVersion: "portico.dev/v1alpha1", kind: "IngressController", metadata: { name, namespace: NS }, spec: { replicas: 2, ingressClass: { name } } },
    });
    create.push((await applied1) - t0);

    const applied2 = waitFor(`${NS}/${name}`, 2);
    const t1 = performance.now();
    await apiRequest("PATCH", `/apis/portico.dev/v1alpha1/namespaces/${NS}/ingresscontrollers/${name}`, {
      contentType: "application/merge-patch+json",
      body: { spec: { replicas: 1, service: { type: "ClusterIP" }, defaultBackend: { enabled: false }, settings: { proxyBodySize: "8m" } } },
    });
    update.push((await applied2) - t1);
  }
  const fmt = (xs: number[]) =>
    `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms, min ${Math.min(...xs).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(`operator-reconcile (${RUNS} runs, local kube-apiserver)`);
  console.log(`  create -> all children applied (11 objects + IngressClass): ${fmt(create)}`);
  console.log(`  spec change -> children updated/pruned:                     ${fmt(update)}`);
} finally {
  watch?.close();
  op?.stop();
  await c.stop();
}
process.exit(0);
