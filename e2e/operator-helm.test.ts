// helm/portico on the local control plane: install, what it creates (pods stay Pending: no
// kubelet), certificate handling across upgrades, the operator reconciling the chart's
// IngressController, and an uninstall that leaves nothing behind but the CRD (Helm never deletes
// CRDs from crds/).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { startCluster, waitUntil, type Cluster } from "../src/local/cluster/index.js";
import { getObject } from "./support/objects.js";
import { reconcileIngressController } from "../src/operator/reconcile.js";

const NS = "portico-system";
let c: Cluster;

type Any = any;

const get = (kind: string, name: string, ns: string | null = NS): Promise<Any | undefined> => getObject(c, kind, name, ns);

async function helmOk(args: string[]): Promise<string> {
  const r = await c.helm(args, { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`helm ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

before(async () => {
  c = await startCluster();
  process.env.KUBECONFIG = c.kubeconfig;
});

after(async () => {
  await c?.stop();
});

test("helm install creates the CRD, the Pepr module, the default IngressController and IngressClass", async () => {
  await helmOk(["install", "portico", "helm/portico", "-n", NS, "--create-namespace"]);
  assert.ok(await get("crd", "ingresscontrollers.portico.dev", null));
  const ic = await get("ingresscontroller", "portico");
  assert.equal(ic.spec.ingressClass.name, "portico");
  assert.equal(ic.spec.ingressClass.create, false, "the chart owns the IngressClass");
  assert.equal(ic.spec.replicas, 2);
  const cls = await get("ingressclass", "portico", null);
  assert.deepEqual(cls.spec, {
    controller: "portico.dev/ingress-controller",
    parameters: { apiGroup: "portico.dev", kind: "IngressController", scope: "Namespace", namespace: NS, name: "portico" },
  });
  const watcher = await get("deployment", "pepr-portico-watcher", "pepr-system");
  assert.ok(watcher, "watcher Deployment");
  assert.equal((await get("deployment", "pepr-portico", "pepr-system"))?.spec.replicas, 2, "admission Deployment");
  assert.ok(await get("secret", "pepr-portico-module", "pepr-system"));
  // One identity per pod; every grant and denial is checked in e2e/privilege.test.ts.
  const role = await get("clusterrole", "pepr-portico-watcher", null);
  const can = (group: string, resource: string, verb: string) =>
    role.rules.some((r: Any) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
  for (const [g, r, v] of [
    ["portico.dev", "ingresscontrollers", "list"],
    ["networking.k8s.io", "ingresses", "list"],
    ["networking.k8s.io", "ingresses/status", "patch"],
  ]) {
    assert.ok(can(g, r, v), `ClusterRole grants ${v} ${g}/${r}`);
  }
  assert.ok(!can("apps", "deployments", "create"), "no cluster-wide Deployment writes");
  assert.ok(await get("role", "pepr-portico-watcher", NS), "namespaced writes in the release namespace");
  assert.equal(watcher.spec.template.spec.serviceAccountName, "pepr-portico-watcher");
  assert.equal((await get("deployment", "pepr-portico", "pepr-system")).spec.template.spec.serviceAccountName, "pepr-portico-admission");
  // Pods exist but stay Pending: there is no kubelet here.
  await waitUntil("watcher pod created", async () => {
    const pods = await c.kubectlOk(["get", "pods", "-n", "pepr-system", "-o", "jsonpath={.items[*].status.phase}"]);
    return pods.includes("Pending");
  });
});

test("webhook material is generated at install: the serving certificate chains to the caBundle", async () => {
  const tls = await get("secret", "pepr-portico-tls", "pepr-system");
  const ca = await get("secret", "pepr-portico-webhook-ca", "pepr-system");
  const leaf = new X509Certificate(b64(tls.data["tls.crt"]));
  const caCert = new X509Certificate(b64(ca.data["tls.crt"]));
  assert.ok(leaf.verify(caCert.publicKey), "serving certificate signed by the chart's CA");
  assert.match(leaf.subjectAltName ?? "", /DNS:pepr-portico\.pepr-system\.svc/);
  const apiPath = b64((await get("secret", "pepr-portico-api-path", "pepr-system")).data.value);
  assert.match(apiPath, /^[0-9a-f]{64}$/);
  for (const kind of ["validatingwebhookconfiguration", "mutatingwebhookconfiguration"]) {
    const wh = await get(kind, "pepr-portico", null);
    assert.ok(wh, `${kind} installed`);
    for (const w of wh.webhooks) {
      assert.equal(b64(w.clientConfig.caBundle), b64(ca.data["tls.crt"]));
      assert.ok(w.clientConfig.service.path.endsWith(`/${apiPath}`));
    }
  }
});

test("helm upgrade renews the serving certificate from the same CA and keeps the API path", async () => {
  const before = {
    leaf: (await get("secret", "pepr-portico-tls", "pepr-system")).data["tls.crt"],
    ca: (await get("secret", "pepr-portico-webhook-ca", "pepr-system")).data["tls.crt"],
    path: (await get("secret", "pepr-portico-api-path", "pepr-system")).data.value,
  };
  await helmOk(["upgrade", "portico", "helm/portico", "-n", NS, "--set", "ingressController.spec.replicas=3"]);
  const leaf = (await get("secret", "pepr-portico-tls", "pepr-system")).data["tls.crt"];
  assert.notEqual(leaf, before.leaf, "renewed");
  assert.equal((await get("secret", "pepr-portico-webhook-ca", "pepr-system")).data["tls.crt"], before.ca);
  assert.equal((await get("secret", "pepr-portico-api-path", "pepr-system")).data.value, before.path);
  assert.ok(new X509Certificate(b64(leaf)).verify(new X509Certificate(b64(before.ca)).publicKey));
  assert.equal((await get("ingresscontroller", "portico")).spec.replicas, 3);
});

test("values are validated by values.schema.json (the CRD's own schema for the spec)", async () => {
  const r = await c.helm(["upgrade", "portico", "helm/portico", "-n", NS, "--set", "ingressController.spec.replicas=-1"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /replicas/);
  const r2 = await c.helm(["upgrade", "portico", "helm/portico", "-n", NS, "--set", "ingressController.spec.service.type=Ingress"]);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /service.*type|type.*service/);
});

test("the operator reconciles the chart's IngressController; helm uninstall leaves nothing behind", async () => {
  const result = await reconcileIngressController(NS, "portico");
  assert.equal(result.outcome, "applied");
  assert.ok(await get("deployment", "portico-nginx"));
  assert.equal((await get("deployment", "portico-nginx")).spec.replicas, 3);
  assert.ok(!(await get("ingresscontroller", "portico")).metadata.finalizers?.length, "no finalizer: deletable without a running operator");
  await helmOk(["uninstall", "portico", "-n", NS, "--wait", "--timeout", "120s"]);
  await waitUntil(
    "everything removed",
    async () => {
      const left = [
        await get("ingresscontroller", "portico"),
        await get("ingressclass", "portico", null),
        await get("clusterrole", "pepr-portico-watcher", null),
        await get("clusterrolebinding", "pepr-portico-watcher", null),
        await get("clusterrole", "pepr-portico-admission", null),
        await get("validatingwebhookconfiguration", "pepr-portico", null),
        await get("mutatingwebhookconfiguration", "pepr-portico", null),
        await get("namespace", "pepr-system", null),
        // The operator's children go with their owner (garbage collector; may lag for a fresh CRD).
        await get("deployment", "portico-nginx"),
        await get("serviceaccount", "portico-nginx"),
        await get("configmap", "portico-settings"),
      ].filter(Boolean);
      return left.length === 0;
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
  const secrets = await c.kubectlOk(["get", "secrets", "-n", NS, "-o", "name"]);
  assert.equal(secrets.trim(), "", "no Helm release secrets left");
  assert.ok(await get("crd", "ingresscontrollers.portico.dev", null), "CRDs in crds/ are kept by Helm by design");
});
