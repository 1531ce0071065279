// Least privilege and admission scope on a real API server, as a tenant would try them:
// - helm/portico installed (pods stay Pending: no kubelet); while its webhooks answer nothing, the
//   chart's own IngressController still installs, other Secrets are written, Ingresses are not;
// - every grant of scripts/gen/identities.ts is allowed and every listed denial denied
//   (`kubectl auth can-i --as=system:serviceaccount:...`);
// - the Pepr module runs as two local processes under the chart's two ServiceAccounts' own tokens
//   (admission, watcher) behind the chart's own webhook definitions: a tenant's label skips
//   nothing, a 1 MiB TLS Secret can be updated, and the watcher reconciles IngressControllers only
//   where it may write.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startCluster, waitUntil, type Cluster } from "../src/local/cluster/index.js";
import { startPeprModule, type PeprProcess } from "../src/local/pepr-process.js";
import { IDENTITIES, PEPR_NAMESPACE, serviceAccountName, type Grant } from "../scripts/gen/identities.js";
import { stateObjectNames } from "../src/api/state-names.js";
import { getObject } from "./support/objects.js";

const NS = "portico-system";
const TEAM = "team-a"; // rbac.extraNamespaces
const ELSEWHERE = "elsewhere"; // not granted
const TENANT = "tenant";
const OWN_CLASS = "portico-own"; // rbac.ingressClasses
let c: Cluster;
const procs: PeprProcess[] = [];

type Any = any;

before(async () => {
  c = await startCluster();
  process.env.KUBECONFIG = c.kubeconfig;
});

after(async () => {
  for (const p of procs) await p.stop().catch(() => undefined);
  await c?.stop();
});

const sa = (id: string) => `system:serviceaccount:${PEPR_NAMESPACE}:${id}`;

/** `kubectl auth can-i` as a ServiceAccount: true (exit 0, "yes") or false (exit 1, "no"). */
async function canI(as: string, verb: string, resource: string, ns?: string, name?: string): Promise<boolean> {
  const [type, subresource] = resource.split("/");
  const args = [
    "auth",
    "can-i",
    verb,
    name ? `${type}/${name}` : type,
    ...(subresource ? [`--subresource=${subresource}`] : []),
    `--as=${as}`,
    ...(ns ? ["-n", ns] : []),
  ];
  const r = await c.kubectl(args);
  if (r.code !== 0 && r.code !== 1) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim() === "yes";
}

/** Writes a kubeconfig holding only a ServiceAccount token (what its pod would mount). */
async function identityKubeconfig(serviceAccount: string, file: string, namespace = PEPR_NAMESPACE): Promise<string> {
  const token = (await c.kubectlOk(["-n", namespace, "create", "token", serviceAccount, "--duration=2h"])).trim();
  const cfg = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "local", cluster: { server: c.server, "certificate-authority-data": Buffer.from(c.caPem).toString("base64") } }],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: serviceAccount, context: { cluster: "local", user: serviceAccount } }],
    "current-context": serviceAccount,
  };
  writeFileSync(file, JSON.stringify(cfg), { mode: 0o600 });
  return file;
}

async function kubectlFails(args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, { input });
  assert.notEqual(r.code, 0, `kubectl ${args.join(" ")} should have failed: ${r.stdout}`);
  return r.stderr;
}

const ingress = (name: string, ns: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string>; host?: string } = {}) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name, namespace: ns, labels: extra.labels ?? {}, annotations: extra.annotations ?? {} },
  spec: {
    ingressClassName: "portico",
    rules: [
      {
        host: extra.host ?? `${name}.example.test`,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] },
      },
    ],
  },
});

const tlsSecret = (name: string, ns: string, bytes: number) => ({
  apiVersion: "v1",
  kind: "Secret",
  type: "kubernetes.io/tls",
  metadata: { name, namespace: ns },
  data: { "tls.crt": randomBytes(bytes).toString("base64"), "tls.key": randomBytes(1024).toString("base64") },
});

test("helm install with the webhooks unreachable: the chart's own IngressController goes in, a tenant's does not", async () => {
  for (const ns of [TEAM, ELSEWHERE, TENANT]) await c.kubectlOk(["create", "namespace", ns]);
  const r = await c.helm(
    [
      "install",
      "portico",
      "helm/portico",
      "-n",
      NS,
      "--create-namespace",
      "--set",
      `rbac.extraNamespaces={${TEAM}}`,
      "--set",
      `rbac.ingressClasses={${OWN_CLASS}}`,
    ],
    { timeoutMs: 180_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(await getObject(c, "ingresscontroller", "portico", NS), "the chart's IngressController (bypass by namespace and name)");
  assert.ok(await getObject(c, "crd", "peprstores.pepr.dev", null), "Pepr's store CRD comes with the chart");
  for (const kind of ["validatingwebhookconfiguration", "mutatingwebhookconfiguration"]) {
    const wh = await getObject(c, kind, "pepr-portico", null);
    for (const w of wh.webhooks) assert.equal(w.objectSelector?.matchExpressions, undefined, `${kind} ${w.name}: no label selects what skips admission`);
  }
  // Same kind, same namespace, another name: no bypass (the webhook is down: failurePolicy Fail).
  const ic = {
    apiVersion: "portico.dev/v1alpha1",
    kind: "IngressController",
    metadata: { name: "other", namespace: NS, labels: { "portico.dev/admission": "skip" } },
    spec: {},
  };
  assert.match(await kubectlFails(["apply", "-f", "-"], JSON.stringify(ic)), /pepr-portico\.pepr\.dev/);
});

test("with Portico's webhook down, non-TLS Secret writes succeed, TLS Secrets too (Ignore), Ingresses wait (Fail)", async () => {
  await c.kubectlOk(["-n", TENANT, "create", "secret", "generic", "app-config", "--from-literal=password=x"]);
  await c.kubectlOk(["-n", TENANT, "create", "configmap", "unrelated", "--from-literal=a=b"]);
  await c.kubectlOk(["-n", TENANT, "label", "secret", "app-config", "changed=yes"]);
  await c.apply(tlsSecret("written-while-down", TENANT, 512));
  // A tenant's labels do not skip the Ingress webhook: it is called (and unreachable).
  const stderr = await kubectlFails(
    ["apply", "-f", "-"],
    JSON.stringify(ingress("sneaky", TENANT, { labels: { "portico.dev/admission": "skip", owner: "helm" } })),
  );
  assert.match(stderr, /failed calling webhook "pepr-portico\.pepr\.dev"/);
});

/** Every grant as (verb, resource, namespace, name) checks; resource "group/x" -> "x.group". */
function grantChecks(g: Grant): { verb: string; resource: string; ns?: string; name?: string }[] {
  const namespaces = g.scope === "cluster" ? [undefined, TENANT] : g.scope === "peprNamespace" ? [PEPR_NAMESPACE] : [NS, TEAM];
  const names = g.resourceNames === "ingressClasses" ? [OWN_CLASS] : (g.resourceNames ?? [undefined]);
  const out = [];
  for (const group of g.apiGroups)
    for (const res of g.resources)
      for (const verb of g.verbs)
        for (const ns of namespaces)
          for (const name of names) {
            const [plural, sub] = res.split("/");
            const resource = (group ? `${plural}.${group}` : plural) + (sub ? `/${sub}` : "");
            out.push({ verb, resource, ns: res === "ingressclasses" ? undefined : ns, name });
          }
  return out;
}

for (const id of IDENTITIES) {
  test(`${serviceAccountName(id.id)}: every grant allowed, every listed denial denied (kubectl auth can-i)`, async () => {
    const as = sa(serviceAccountName(id.id));
    const allowed = id.grants.flatMap(grantChecks);
    const results = await Promise.all(allowed.map(async (x) => ({ ...x, ok: await canI(as, x.verb, x.resource, x.ns, x.name) })));
    assert.deepEqual(
      results.filter((x) => !x.ok),
      [],
      "granted but refused",
    );
    const denied = await Promise.all(id.denied.map(async (d) => ({ ...d, ok: await canI(as, d.verb, d.resource, d.namespace, d.name) })));
    assert.deepEqual(
      denied.filter((d) => d.ok),
      [],
      "listed as denied but allowed",
    );
    // Cluster-wide writes of the sensitive kinds, and writes outside the granted namespaces.
    for (const [verb, resource] of [
      ["create", "secrets"],
      ["create", "deployments.apps"],
      ["create", "roles.rbac.authorization.k8s.io"],
      ["create", "rolebindings.rbac.authorization.k8s.io"],
      ["create", "serviceaccounts"],
    ]) {
      for (const ns of [ELSEWHERE, TENANT, "kube-system"]) assert.equal(await canI(as, verb, resource, ns), false, `${as} ${verb} ${resource} in ${ns}`);
      assert.equal(await canI(as, verb, resource, undefined), false, `${as} ${verb} ${resource} cluster-wide`);
    }
    for (const verb of ["create", "patch", "update", "delete"]) {
      assert.equal(await canI(as, verb, "customresourcedefinitions.apiextensions.k8s.io"), false, `${as} ${verb} CRDs`);
      assert.equal(await canI(as, verb, "ingressclasses.networking.k8s.io", undefined, "portico"), false, `${as} ${verb} the chart's IngressClass`);
    }
  });
}

let admission: PeprProcess;
let watcher: PeprProcess;

test("the module runs under the two ServiceAccounts (admission and watcher processes) with no Forbidden", async () => {
  const dir = join(c.dir, "privilege");
  const adminKc = c.kubeconfig;
  const admissionKc = await identityKubeconfig(serviceAccountName("admission"), join(c.dir, "admission.kubeconfig"));
  const watcherKc = await identityKubeconfig(serviceAccountName("watcher"), join(c.dir, "watcher.kubeconfig"));
  // kubeconfig (admin) only prepares the namespace and CRD (the chart did both); KUBECONFIG in env
  // is what the module itself uses. No webhooks are registered by these helpers (capabilities []).
  admission = await startPeprModule({
    kubeconfig: adminKc,
    workDir: join(dir, "admission"),
    capabilities: [],
    env: { KUBECONFIG: admissionKc, PEPR_MODE: "", PEPR_WATCH_MODE: "false" },
  });
  procs.push(admission);
  watcher = await startPeprModule({
    kubeconfig: adminKc,
    workDir: join(dir, "watcher"),
    capabilities: [],
    env: { KUBECONFIG: watcherKc, PEPR_MODE: "", PEPR_WATCH_MODE: "true", PORTICO_HOLD_OFF_MS: "20", PORTICO_MAX_DELAY_MS: "200" },
  });
  procs.push(watcher);
  // The chart's webhook definitions (rules, matchConditions, failurePolicy), pointed at the local
  // admission process instead of the Service no kube-proxy routes here.
  const caBundle = Buffer.from(admission.caPem).toString("base64");
  for (const kind of ["validatingwebhookconfiguration", "mutatingwebhookconfiguration"]) {
    const wh = await getObject(c, kind, "pepr-portico", null);
    const type = kind.startsWith("validating") ? "validate" : "mutate";
    const patch = wh.webhooks.map((_w: Any, i: number) => ({
      op: "replace",
      path: `/webhooks/${i}/clientConfig`,
      value: { url: `https://127.0.0.1:${admission.port}/${type}/portico-local`, caBundle },
    }));
    await c.kubectlOk(["patch", kind, "pepr-portico", "--type=json", "-p", JSON.stringify(patch)]);
  }
  // The watcher reconciles the chart's IngressController: the data plane appears in the release namespace.
  await waitUntil("the watcher reconciled portico-system/portico", async () => Boolean(await getObject(c, "deployment", "portico-nginx", NS)), {
    timeoutMs: 60_000,
  });
});

test("admission: a tenant's skip labels change nothing; valid Ingresses pass; the legacy class is still set", async () => {
  const hostile = ingress("labelled", TENANT, {
    labels: { "portico.dev/admission": "skip", owner: "helm", "app.kubernetes.io/managed-by": "Helm" },
    annotations: { "nginx.ingress.kubernetes.io/configuration-snippet": "return 200;" },
  });
  await waitUntil(
    "admission answers (informer synced)",
    async () => {
      const r = await c.kubectl(["apply", "-f", "-"], { input: JSON.stringify(hostile) });
      return r.code !== 0 && /configuration-snippet/.test(r.stderr) ? r.stderr : undefined;
    },
    { timeoutMs: 30_000 },
  );
  await c.apply(ingress("fine", TENANT, { labels: { "portico.dev/admission": "skip" } }));
  const legacy = ingress("legacy", TENANT);
  delete (legacy.spec as { ingressClassName?: string }).ingressClassName;
  legacy.metadata.annotations = { "kubernetes.io/ingress.class": "portico" };
  await c.apply(legacy);
  const got = await getObject(c, "ingress", "legacy", TENANT);
  assert.equal(got.spec.ingressClassName, "portico", "the mutating webhook (matchCondition: legacy annotation) ran");
});

test("a 1 MiB TLS Secret is created and updated through the TLS Secret webhook (failurePolicy Fail, so it answered)", async () => {
  const vwh = await getObject(c, "validatingwebhookconfiguration", "pepr-portico", null);
  const i = vwh.webhooks.findIndex((w: Any) => w.name === "pepr-portico-tls-secrets.pepr.dev");
  assert.ok(i >= 0);
  assert.equal(vwh.webhooks[i].failurePolicy, "Ignore", "the chart's default");
  await c.kubectlOk([
    "patch",
    "validatingwebhookconfiguration",
    "pepr-portico",
    "--type=json",
    "-p",
    JSON.stringify([{ op: "replace", path: `/webhooks/${i}/failurePolicy`, value: "Fail" }]),
  ]);
  const size = 1024 * 1024 - 2048; // the API server's limit is 1 MiB of data in all
  const big = tlsSecret("big", TENANT, size);
  await c.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(big) });
  const big2 = { ...tlsSecret("big", TENANT, size) };
  // replace (PUT): the review carries object and oldObject, ~2.8 MB of JSON.
  await c.kubectlOk(["replace", "-f", "-"], { input: JSON.stringify(big2) });
  const stored = await getObject(c, "secret", "big", TENANT);
  assert.equal(stored.data["tls.crt"], big2.data["tls.crt"]);
  // The webhook did answer: an invalid TLS Secret used by a Portico Ingress is refused.
  const used = ingress("uses-big", TENANT);
  (used.spec as Any).tls = [{ hosts: ["uses-big.example.test"], secretName: "broken" }];
  await c.apply(used);
  const broken = JSON.stringify(tlsSecret("broken", TENANT, 16));
  const stderr = await waitUntil(
    "the Ingress is in admission's index and the broken Secret is refused",
    async () => {
      const r = await c.kubectl(["create", "-f", "-"], { input: broken });
      if (r.code === 0) await c.kubectlOk(["-n", TENANT, "delete", "secret", "broken"]);
      return r.code !== 0 ? r.stderr : undefined;
    },
    { timeoutMs: 30_000 },
  );
  assert.match(stderr, /denied the request[\s\S]*uses-big/);
  assert.doesNotMatch(readFileSync(admission.logFile, "utf8"), /request entity too large|PayloadTooLargeError/i);
});

test("the watcher reconciles where it may write (release namespace, rbac.extraNamespaces) and nowhere else", async () => {
  const ic = (ns: string, name = "edge", cls = { name: `edge-${ns}`, create: false }) => ({
    apiVersion: "portico.dev/v1alpha1",
    kind: "IngressController",
    metadata: { name, namespace: ns },
    spec: { ingressClass: cls },
  });
  await c.apply(ic(TEAM, "edge", { name: OWN_CLASS, create: true }));
  await c.apply(ic(TEAM, "rogue", { name: "someone-elses", create: true }));
  await c.apply(ic(ELSEWHERE));
  await waitUntil("team-a/edge reconciled", async () => Boolean(await getObject(c, "deployment", "edge-nginx", TEAM)), { timeoutMs: 60_000 });
  // IngressClass writes by name: the one in rbac.ingressClasses is created (server-side apply, so
  // the API server checks create on that name), another is refused and said so in an Event.
  await waitUntil("IngressClass portico-own created by the reconciler", async () => Boolean(await getObject(c, "ingressclass", OWN_CLASS, null)), {
    timeoutMs: 60_000,
  });
  const refused = await waitUntil(
    "team-a/rogue told why",
    async () => {
      const ev = JSON.parse(await c.kubectlOk(["-n", TEAM, "get", "events", "--field-selector", "involvedObject.name=rogue", "-o", "json"]));
      return ev.items.find((e: Any) => e.reason === "ReconcileFailed" && /forbidden/i.test(e.message) && /someone-elses/.test(e.message));
    },
    { timeoutMs: 60_000 },
  );
  assert.ok(refused);
  assert.equal(await getObject(c, "ingressclass", "someone-elses", null), undefined, "no IngressClass outside rbac.ingressClasses");
  await waitUntil(
    "the watcher was refused in elsewhere",
    async () => /forbidden[\s\S]{0,400}elsewhere|elsewhere[\s\S]{0,400}forbidden/i.test(readFileSync(watcher.logFile, "utf8")),
    {
      timeoutMs: 60_000,
    },
  );
  assert.equal(await getObject(c, "deployment", "edge-nginx", ELSEWHERE), undefined, "nothing written where the watcher has no grant");
  // Data plane identity (created by the watcher, so it could grant only what it holds).
  const dp = `system:serviceaccount:${NS}:portico-nginx`;
  const state = stateObjectNames("portico");
  assert.equal(await canI(dp, "get", "configmaps", NS, state.configMaps[0]), true);
  assert.equal(await canI(dp, "get", "configmaps", NS, "portico-settings"), false);
  assert.equal(await canI(dp, "list", "secrets", NS), false);
  assert.equal(await canI(dp, "patch", "ingresscontrollers.portico.dev/status", NS, "portico"), true);
  assert.equal(await canI(dp, "patch", "ingresscontrollers.portico.dev/status", NS, "other"), false);
  const forbidden = (f: string) =>
    readFileSync(f, "utf8")
      .split("\n")
      .filter((l) => /forbidden/i.test(l) && !l.includes(ELSEWHERE) && !l.includes("someone-elses")); // the refusals this test asks for
  assert.deepEqual(forbidden(admission.logFile), [], "admission needed nothing it lacks");
  assert.deepEqual(forbidden(watcher.logFile), [], "the watcher needed nothing it lacks in its namespaces");
});

test("the data plane may write only the agent's status fields; status.publishedAddress is the reconciler's", async () => {
  const kc = await identityKubeconfig("portico-nginx", join(c.dir, "data-plane.kubeconfig"), NS);
  const patch = (status: object) =>
    c.kubectl([
      "--kubeconfig",
      kc,
      "-n",
      NS,
      "patch",
      "ingresscontroller",
      "portico",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status }),
    ]);
  const ok = await patch({ appliedConfigHash: "a".repeat(64), reloads: 7, lastError: "" });
  assert.equal(ok.code, 0, ok.stderr);
  const before = (await getObject(c, "ingresscontroller", "portico", NS)).status;
  assert.equal(before.reloads, 7);
  for (const status of [{ publishedAddress: "203.0.113.66" }, { desiredConfigHash: "b".repeat(64) }, { readyReplicas: 9 }, { conditions: [] }]) {
    const r = await patch(status);
    assert.notEqual(r.code, 0, `the data plane wrote ${JSON.stringify(status)}`);
    assert.match(r.stderr, /portico-data-plane-status[\s\S]*belongs to the control plane/);
  }
  const after = (await getObject(c, "ingresscontroller", "portico", NS)).status;
  assert.equal(after.publishedAddress, before.publishedAddress);
  assert.notEqual(after.desiredConfigHash, "b".repeat(64));
  assert.notEqual(after.readyReplicas, 9);
  assert.ok(after.conditions?.length, "conditions kept");
  // The control plane itself is not limited by the policy.
  const admin = await c.kubectl([
    "-n",
    NS,
    "patch",
    "ingresscontroller",
    "portico",
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status: { desiredConfigHash: "c".repeat(64) } }),
  ]);
  assert.equal(admin.code, 0, admin.stderr);
});
