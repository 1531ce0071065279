// One reconcile over an in-memory API server (src/testing/memory-api.ts): every child applied
// with owner, labels and generation; create-only ConfigMaps created once and the user's data kept;
// a spec change prunes what the new generation no longer produces but never the controller's
// desired-state objects; an invalid spec is reported on status and as one Event, not thrown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ownerLabels, ownerReference } from "../core/ownership.js";
import { STATE_COMPONENT } from "../core/state-objects.js";
import { kubeApi } from "../k8s/api.js";
import { MemoryApiServer } from "../testing/memory-api.js";
import { reconcileIngressController } from "./reconcile.js";

const NS = "edge-system";
const IC_PATH = `/apis/portico.dev/v1alpha1/namespaces/${NS}/ingresscontrollers/edge`;
const at = (group: string, plural: string, name: string) => `${group === "" ? "/api/v1" : `/apis/${group}`}/namespaces/${NS}/${plural}/${name}`;
const NOW = () => new Date("2026-01-01T00:00:00Z");

type Condition = { type: string; status: string; reason: string };
const condition = (o: { [k: string]: unknown } | undefined, type: string) =>
  ((o?.status as { conditions?: Condition[] })?.conditions ?? []).find((c) => c.type === type);

function world(spec: Record<string, unknown>) {
  const server = new MemoryApiServer();
  const ic = server.put(IC_PATH, { apiVersion: "portico.dev/v1alpha1", kind: "IngressController", metadata: { name: "edge", namespace: NS }, spec });
  const api = kubeApi(server.send);
  return { server, api, uid: ic.metadata.uid as string, reconcile: () => reconcileIngressController(NS, "edge", { api, now: NOW }) };
}

const CHILDREN = [
  at("", "serviceaccounts", "edge-nginx"),
  at("rbac.authorization.k8s.io/v1", "roles", "edge-nginx"),
  at("rbac.authorization.k8s.io/v1", "rolebindings", "edge-nginx"),
  at("apps/v1", "deployments", "edge-nginx"),
  at("", "services", "edge-nginx"),
  at("", "configmaps", "edge-settings"),
  at("policy/v1", "poddisruptionbudgets", "edge-nginx"),
  at("apps/v1", "deployments", "edge-default-backend"),
  at("", "services", "edge-default-backend"),
  at("", "configmaps", "edge-tcp-services"),
  at("", "configmaps", "edge-udp-services"),
];

test("a reconcile applies every child, owned and labelled with the generation, and reports Ready", async () => {
  const { server, uid, reconcile } = world({ replicas: 2, ingressClass: { name: "edge-class", isDefault: true } });
  const r = await reconcile();
  assert.equal(r.outcome, "applied");
  assert.deepEqual(r.created.sort(), ["ConfigMap/edge-tcp-services", "ConfigMap/edge-udp-services"]);
  for (const p of CHILDREN) {
    const o = server.get(p);
    assert.ok(o, `${p} exists`);
    assert.deepEqual(o.metadata.ownerReferences, [ownerReference({ name: "edge", uid })], p);
    const labels = o.metadata.labels as Record<string, string>;
    assert.equal(labels["app.kubernetes.io/managed-by"], "portico", p);
    assert.equal(labels["app.kubernetes.io/instance"], "edge", p);
    assert.equal(labels["portico.dev/generation"], "1", p);
  }
  const cls = server.get("/apis/networking.k8s.io/v1/ingressclasses/edge-class")!;
  assert.equal((cls.spec as { controller: string }).controller, "portico.dev/ingress-controller");
  assert.equal((cls.metadata.annotations as Record<string, string>)["ingressclass.kubernetes.io/is-default-class"], "true");
  const ic = server.get(IC_PATH)!;
  assert.ok((ic.metadata.finalizers as string[]).includes("portico.dev/ingress-class"));
  assert.equal((ic.status as { observedGeneration: number }).observedGeneration, 1);
  assert.equal(condition(ic, "Ready")?.status, "True");
  assert.equal(condition(ic, "Degraded")?.status, "False");
  assert.equal(condition(ic, "ConfigApplied")?.status, "Unknown");
});

test("a spec change prunes what the new generation drops, keeps the user's stream data and the desired state", async () => {
  const { server, api, uid, reconcile } = world({ replicas: 2 });
  await reconcile();
  await api.mergePatch({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "edge-tcp-services" }, { data: { "9000": "default/db:5432" } });
  // The controller's desired-state index: same owner and labels, generation of when it was written.
  const statePath = at("", "configmaps", "edge-state");
  server.put(statePath, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "edge-state", labels: ownerLabels({ name: "edge" }, STATE_COMPONENT, "1"), ownerReferences: [ownerReference({ name: "edge", uid })] },
  });
  await api.mergePatch(
    { apiVersion: "portico.dev/v1alpha1", kind: "IngressController", namespace: NS, name: "edge" },
    { spec: { replicas: 1, service: { type: "ClusterIP" }, defaultBackend: { enabled: false } } },
  );
  const r = await reconcile();
  assert.equal(r.outcome, "applied");
  assert.deepEqual(r.pruned.map((p) => `${p.kind}/${p.name}`).sort(), [
    "Deployment/edge-default-backend",
    "PodDisruptionBudget/edge-nginx",
    "Service/edge-default-backend",
  ]);
  assert.equal((server.get(at("apps/v1", "deployments", "edge-nginx"))!.spec as { replicas: number }).replicas, 1);
  assert.equal((server.get(at("", "services", "edge-nginx"))!.spec as { type: string }).type, "ClusterIP");
  assert.deepEqual(server.get(at("", "configmaps", "edge-tcp-services"))!.data, { "9000": "default/db:5432" });
  assert.ok(server.get(statePath), "the desired state is the controller's: never pruned by the operator");
  assert.equal((server.get(at("apps/v1", "deployments", "edge-nginx"))!.metadata.labels as Record<string, string>)["portico.dev/generation"], "2");
  assert.equal((server.get(IC_PATH)!.status as { observedGeneration: number }).observedGeneration, 2);
});

test("an invalid spec is reported on status and as one Event; nothing is applied", async () => {
  const { server, reconcile } = world({ replicas: -1 });
  const r = await reconcile();
  assert.equal(r.outcome, "invalid");
  const ic = server.get(IC_PATH)!;
  assert.equal(condition(ic, "Ready")?.reason, "InvalidSpec");
  assert.equal(condition(ic, "Degraded")?.status, "True");
  assert.equal(server.get(at("apps/v1", "deployments", "edge-nginx")), undefined);
  await reconcile();
  const events = server.list(`/api/v1/namespaces/${NS}/events`) as unknown as { reason: string; type: string }[];
  assert.deepEqual(
    events.map((e) => `${e.type} ${e.reason}`),
    ["Warning InvalidSpec"],
    "once, not on every reconcile of the same generation",
  );
});
