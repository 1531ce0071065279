// The IngressController reconciler against a real kube-apiserver + controller-manager (garbage
// collector included). The reconciler functions are called directly; drift repair runs the
// Operator (queue + child watches) in this process.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startCluster, waitUntil, type Cluster } from "../src/local/cluster/index.js";
import { getObject } from "./support/objects.js";
import { reconcileIngressController, getIngressController } from "../src/operator/reconcile.js";
import { Operator } from "../src/operator/operator.js";
import { stateObjectNames } from "../src/api/state-names.js";

const NS = "ingress";
let c: Cluster;

type Any = any;

const get = (kind: string, name: string, ns: string | null = NS): Promise<Any | undefined> => getObject(c, kind, name, ns);

async function createIC(name: string, spec: Record<string, unknown>, ns = NS): Promise<void> {
  await c.apply({ apiVersion: "portico.dev/v1alpha1", kind: "IngressController", metadata: { name, namespace: ns }, spec });
}

async function patchSpec(name: string, patch: Record<string, unknown>, ns = NS): Promise<void> {
  await c.kubectlOk(["patch", "ingresscontroller", name, "-n", ns, "--type=merge", "-p", JSON.stringify({ spec: patch })]);
}

function condition(ic: Any, type: string): Any {
  return ic.status?.conditions?.find((x: Any) => x.type === type);
}

async function canI(sa: string, verb: string, resource: string, ns: string | null = NS): Promise<boolean> {
  const r = await c.kubectl(["auth", "can-i", verb, resource, `--as=system:serviceaccount:${NS}:${sa}`, ...(ns ? ["-n", ns] : ["-A"])]);
  return r.stdout.trim() === "yes";
}

before(async () => {
  c = await startCluster();
  process.env.KUBECONFIG = c.kubeconfig;
  await c.kubectlOk(["apply", "--server-side", "-f", "crds/ingresscontroller.yaml"]);
  await c.kubectlOk(["wait", "--for=condition=Established", "crd/ingresscontrollers.portico.dev", "--timeout=60s"]);
  await c.kubectlOk(["create", "namespace", NS]);
  await c.kubectlOk(["create", "namespace", "other"]);
});

after(async () => {
  await c?.stop();
});

const EXPECTED = [
  ["serviceaccount", "edge-nginx"],
  ["role", "edge-nginx"],
  ["rolebinding", "edge-nginx"],
  ["deployment", "edge-nginx"],
  ["service", "edge-nginx"],
  ["configmap", "edge-settings"],
  ["poddisruptionbudget", "edge-nginx"],
  ["deployment", "edge-default-backend"],
  ["service", "edge-default-backend"],
  ["configmap", "edge-tcp-services"],
  ["configmap", "edge-udp-services"],
] as const;

test("creating an IngressController produces every child with ownerReferences, labels and status", async () => {
  await createIC("edge", { replicas: 2, ingressClass: { name: "edge-class", isDefault: true } });
  const result = await reconcileIngressController(NS, "edge");
  assert.equal(result.outcome, "applied");
  assert.deepEqual(result.created.sort(), ["ConfigMap/edge-tcp-services", "ConfigMap/edge-udp-services"]);
  const ic = await get("ingresscontroller", "edge");
  for (const [kind, name] of EXPECTED) {
    const o = await get(kind, name);
    assert.ok(o, `${kind}/${name} exists`);
    const refs = o.metadata.ownerReferences;
    assert.deepEqual(
      refs,
      [{ apiVersion: "portico.dev/v1alpha1", kind: "IngressController", name: "edge", uid: ic.metadata.uid, controller: true, blockOwnerDeletion: true }],
      `${kind}/${name}`,
    );
    assert.equal(o.metadata.labels["app.kubernetes.io/managed-by"], "portico");
    assert.equal(o.metadata.labels["app.kubernetes.io/instance"], "edge");
    assert.equal(o.metadata.labels["portico.dev/generation"], "1");
  }
  const cls = await get("ingressclass", "edge-class", null);
  assert.equal(cls.spec.controller, "portico.dev/ingress-controller");
  assert.deepEqual(cls.spec.parameters, { apiGroup: "portico.dev", kind: "IngressController", scope: "Namespace", namespace: NS, name: "edge" });
  assert.equal(cls.metadata.annotations["ingressclass.kubernetes.io/is-default-class"], "true");
  // Field manager is portico, not pepr.
  const dep = await c.kubectlOk(["get", "deployment", "edge-nginx", "-n", NS, "-o", "jsonpath={.metadata.managedFields[*].manager}", "--show-managed-fields"]);
  assert.match(dep, /\bportico\b/);
  assert.ok(ic.metadata.finalizers.includes("portico.dev/ingress-class"));
  assert.equal(ic.status.observedGeneration, 1);
  assert.equal(condition(ic, "Ready").status, "True");
  assert.equal(condition(ic, "Degraded").status, "False");
  assert.equal(condition(ic, "ConfigApplied").status, "Unknown");
  assert.equal(ic.status.readyReplicas, 0, "no kubelet: no pod is ever ready");
  const table = await c.kubectlOk(["get", "ic", "edge", "-n", NS]);
  assert.match(table, /CLASS\s+REPLICAS\s+AVAILABLE\s+ADDRESS\s+CONFIG\s+READY\s+AGE/);
  assert.match(table, /edge\s+edge-class\s+2\s+0\s+True\s+\d+s/);
});

test("the data-plane ServiceAccount can read its own state objects by name, and nothing else", async () => {
  const sa = "edge-nginx";
  const state = stateObjectNames("edge");
  for (const name of [state.configMaps[0], state.configMaps[1], state.configMaps.at(-1)!]) {
    assert.ok(await canI(sa, "get", `configmaps/${name}`), `get configmaps/${name}`);
    assert.ok(await canI(sa, "watch", `configmaps/${name}`), `watch configmaps/${name}`);
  }
  assert.ok(await canI(sa, "get", `secrets/${state.secrets[0]}`));
  assert.ok(await canI(sa, "watch", `secrets/${state.secrets.at(-1)}`));
  assert.ok((await canI(sa, "patch", "ingresscontrollers.portico.dev/edge", NS)) === false, "no writes to the IngressController itself");
  const r = await c.kubectl([
    "auth",
    "can-i",
    "patch",
    "ingresscontrollers.portico.dev/edge",
    "--subresource=status",
    `--as=system:serviceaccount:${NS}:${sa}`,
    "-n",
    NS,
  ]);
  assert.equal(r.stdout.trim(), "yes", "reports its status");
  const denied: [string, string, string | null][] = [
    ["get", "secrets/edge-default-tls", NS],
    ["get", "secrets/some-app-secret", NS],
    ["list", "secrets", NS],
    ["watch", "secrets", NS],
    ["list", "configmaps", NS],
    ["get", "configmaps/edge-settings", NS],
    ["get", "configmaps/edge-tcp-services", NS],
    ["update", `configmaps/${state.configMaps[0]}`, NS],
    ["delete", `configmaps/${state.configMaps[0]}`, NS],
    ["get", `configmaps/${state.configMaps[0]}`, "other"],
    ["get", `secrets/${state.secrets[0]}`, "other"],
    ["list", "secrets", null],
    ["list", "ingresses", null],
    ["list", "endpointslices.discovery.k8s.io", NS],
    ["list", "pods", NS],
    ["get", "nodes", null],
    ["create", "events", NS],
  ];
  for (const [verb, res, ns] of denied) assert.equal(await canI(sa, verb, res, ns), false, `${verb} ${res} in ${ns ?? "all namespaces"} must be denied`);
});

test("spec updates update or remove the right children; observedGeneration follows", async () => {
  // User data in tcp-services must survive every reconcile.
  await c.kubectlOk(["patch", "configmap", "edge-tcp-services", "-n", NS, "--type=merge", "-p", '{"data":{"9000":"default/db:5432"}}']);
  await patchSpec("edge", { replicas: 1, service: { type: "ClusterIP" }, settings: { proxyBodySize: "16m" }, defaultBackend: { enabled: false } });
  const r = await reconcileIngressController(NS, "edge");
  assert.equal(r.outcome, "applied");
  assert.deepEqual(r.pruned.map((p) => `${p.kind}/${p.name}`).sort(), [
    "Deployment/edge-default-backend",
    "PodDisruptionBudget/edge-nginx",
    "Service/edge-default-backend",
  ]);
  assert.equal((await get("deployment", "edge-nginx")).spec.replicas, 1);
  assert.equal((await get("service", "edge-nginx")).spec.type, "ClusterIP");
  assert.equal(JSON.parse((await get("configmap", "edge-settings")).data["settings.json"]).proxyBodySize, "16m");
  assert.equal(await get("poddisruptionbudget", "edge-nginx"), undefined);
  assert.equal(await get("deployment", "edge-default-backend"), undefined);
  assert.equal(await get("service", "edge-default-backend"), undefined);
  assert.deepEqual((await get("configmap", "edge-tcp-services")).data, { "9000": "default/db:5432" });
  const ic = await get("ingresscontroller", "edge");
  assert.equal(ic.metadata.generation, 2);
  assert.equal(ic.status.observedGeneration, 2);
  assert.equal((await get("deployment", "edge-nginx")).metadata.labels["portico.dev/generation"], "2");
  // Back on: NodePort with a fixed node port, default backend again, class no longer default.
  await patchSpec("edge", {
    replicas: 3,
    service: { type: "NodePort", ports: { httpNodePort: 30080 } },
    defaultBackend: { enabled: true },
    ingressClass: { name: "edge-class", isDefault: false },
  });
  await reconcileIngressController(NS, "edge");
  const svc = await get("service", "edge-nginx");
  assert.equal(svc.spec.type, "NodePort");
  assert.equal(svc.spec.ports.find((p: Any) => p.name === "http").nodePort, 30080);
  assert.ok(await get("deployment", "edge-default-backend"));
  assert.ok(await get("poddisruptionbudget", "edge-nginx"));
  assert.equal((await get("ingressclass", "edge-class", null)).metadata.annotations?.["ingressclass.kubernetes.io/is-default-class"], undefined);
  assert.equal((await get("ingresscontroller", "edge")).status.observedGeneration, 3);
});

test("renaming the IngressClass removes the old one", async () => {
  await patchSpec("edge", { ingressClass: { name: "edge-class-2" } });
  await reconcileIngressController(NS, "edge");
  assert.ok(await get("ingressclass", "edge-class-2", null));
  assert.equal(await get("ingressclass", "edge-class", null), undefined);
});

test("an IngressClass held by another controller is not taken over; Degraded says why", async () => {
  await createIC("rival", { replicas: 1, ingressClass: { name: "edge-class-2" }, defaultBackend: { enabled: false } }, "other");
  const r = await reconcileIngressController("other", "rival");
  assert.match(r.conflict ?? "", /belongs to IngressController ingress\/edge/);
  const cls = await get("ingressclass", "edge-class-2", null);
  assert.equal(cls.spec.parameters.name, "edge");
  const ic = await get("ingresscontroller", "rival", "other");
  assert.equal(condition(ic, "Degraded").status, "True");
  assert.equal(condition(ic, "Degraded").reason, "IngressClassConflict");
  const events = await c.kubectlOk(["get", "events", "-n", "other", "--field-selector", "involvedObject.name=rival", "-o", "jsonpath={.items[*].reason}"]);
  assert.match(events, /IngressClassConflict/);
  await c.kubectlOk(["delete", "ingresscontroller", "rival", "-n", "other", "--wait=false"]);
  await reconcileIngressController("other", "rival");
  assert.ok(await get("ingressclass", "edge-class-2", null), "deleting the rival leaves the other controller's class alone");
});

test("drift: a deleted or edited child is put back by the running operator", async () => {
  const op = new Operator({ resyncSeconds: 0, baseDelayMs: 200 });
  try {
    await op.start();
    await c.kubectlOk(["delete", "service", "edge-nginx", "-n", NS]);
    await waitUntil("Service edge-nginx recreated", async () => (await get("service", "edge-nginx")) ?? false, { timeoutMs: 20_000, intervalMs: 200 });
    await c.kubectlOk(["scale", "deployment", "edge-nginx", "-n", NS, "--replicas=7"]);
    await waitUntil("replicas restored to 3", async () => (await get("deployment", "edge-nginx")).spec.replicas === 3, { timeoutMs: 20_000, intervalMs: 200 });
    await c.kubectlOk([
      "patch",
      "role",
      "edge-nginx",
      "-n",
      NS,
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/rules/1/resourceNames","value":["everything"]}]',
    ]);
    await waitUntil("Role rules restored", async () => (await get("role", "edge-nginx")).rules[1].resourceNames[0] === "edge-state-certs-0", {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    await c.kubectlOk(["delete", "ingressclass", "edge-class-2"]);
    await waitUntil("IngressClass recreated", async () => (await get("ingressclass", "edge-class-2", null)) ?? false, { timeoutMs: 20_000, intervalMs: 200 });
  } finally {
    op.stop();
  }
});

test("invalid specs are rejected by the CRD schema with the field named", async () => {
  const cases: [Record<string, unknown> | undefined, RegExp][] = [
    [{ replicas: -1 }, /spec\.replicas.*greater than or equal to 0/],
    [{ service: { type: "Ingress" } }, /spec\.service\.type: Unsupported value: "Ingress"/],
    [{ settings: { proxyReadTimeoutSeconds: 0 } }, /spec\.settings\.proxyReadTimeoutSeconds/],
    [{ settings: { workerProcesses: "lots" } }, /spec\.settings\.workerProcesses: Invalid value: "lots": must be an integer between 1 and 256 or one of auto/],
    [{ replicaz: 2 }, /unknown field "spec\.replicaz"/],
    [undefined, /spec: Required value/],
  ];
  for (const [spec, re] of cases) {
    const obj = { apiVersion: "portico.dev/v1alpha1", kind: "IngressController", metadata: { name: "bad", namespace: NS }, ...(spec ? { spec } : {}) };
    const r = await c.kubectl(["create", "-f", "-"], { input: JSON.stringify(obj) });
    assert.notEqual(r.code, 0, `accepted: ${JSON.stringify(spec)}`);
    assert.match(r.stderr, re);
  }
});

test("a retried failure is recorded as an Event and the Degraded condition", async () => {
  // A ConfigMap named like a child but owned by nobody and holding a conflicting field manager is
  // fine (force); instead make the Deployment apply fail: a namespace ResourceQuota of 0 deployments.
  await c.kubectlOk(["create", "namespace", "quota"]);
  await c.apply({
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "no-deploys", namespace: "quota" },
    spec: { hard: { "count/deployments.apps": "0" } },
  });
  await waitUntil("quota status", async () => (await get("resourcequota", "no-deploys", "quota"))?.status?.hard ?? false);
  await createIC("q", { replicas: 1, ingressClass: { create: false } }, "quota");
  await assert.rejects(reconcileIngressController("quota", "q"), /apply Deployment quota\/q-nginx/);
  const ic = await get("ingresscontroller", "q", "quota");
  assert.equal(condition(ic, "Degraded").status, "True");
  assert.equal(condition(ic, "Degraded").reason, "ReconcileFailed");
  assert.equal(condition(ic, "Ready").status, "False");
  const events = await c.kubectlOk(["get", "events", "-n", "quota", "-o", "jsonpath={.items[*].reason}"]);
  assert.match(events, /ReconcileFailed/);
  // The operator keeps retrying with backoff; lifting the quota lets it converge.
  const op = new Operator({ resyncSeconds: 0, watchChildren: false, baseDelayMs: 100, maxDelayMs: 400 });
  try {
    op.enqueue("quota", "q");
    await new Promise((r) => setTimeout(r, 300));
    await c.kubectlOk(["delete", "resourcequota", "no-deploys", "-n", "quota"]);
    await waitUntil("Ready after the quota is lifted", async () => condition(await get("ingresscontroller", "q", "quota"), "Ready")?.status === "True", {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    const q = await get("ingresscontroller", "q", "quota");
    assert.equal(condition(q, "Degraded").status, "False");
    assert.ok(!q.metadata.finalizers?.length, "no IngressClass to clean up: no finalizer");
  } finally {
    op.stop();
  }
});

test("deleting the IngressController removes its IngressClass and garbage-collects every child", async () => {
  await c.kubectlOk(["delete", "ingresscontroller", "edge", "-n", NS, "--wait=false"]);
  const r = await reconcileIngressController(NS, "edge");
  assert.equal(r.outcome, "deleted");
  assert.equal(await get("ingressclass", "edge-class-2", null), undefined);
  await waitUntil("IngressController gone", async () => (await getIngressController(NS, "edge")) === undefined, { timeoutMs: 10_000 });
  // The garbage collector may need ~30 s to learn about a fresh CRD's resources.
  await waitUntil(
    "children garbage-collected",
    async () => {
      const left = await c.kubectlOk([
        "get",
        "deployments,services,configmaps,serviceaccounts,roles,rolebindings,poddisruptionbudgets",
        "-n",
        NS,
        "-l",
        "app.kubernetes.io/instance=edge",
        "-o",
        "name",
      ]);
      return left.trim() === "";
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
});
