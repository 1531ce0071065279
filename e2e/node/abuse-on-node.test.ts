// Abuse on the node (issue 10, the node side of e2e/abuse/): helm/portico installed as its users
// run it, with tenants that are real ServiceAccounts bound to a namespace Role, writing through
// the chart's own webhooks to the admission pod. A hostless Exact /healthz leaves every NGINX pod
// Ready (the probe has a port of its own); another namespace's takeover of a host is refused and
// the owner keeps its traffic; a tenant's skip labels skip nothing; the agent's /status does not
// answer on the pod's address while its metrics do (metrics apart from status).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startCluster, waitUntil, type Cluster } from "../../src/local/cluster/index.js";
import { ingressManifest, prefixRule } from "../../src/local/backends.js";
import { echoBackend, nodeGet } from "../../src/local/node-backends.js";
import { installPortico, RELEASE_NAMESPACE, waitForDataPlane } from "../../src/local/node-install.js";
import { CLI_DEFAULTS } from "../../src/agent/options.js";
import { admitted, createTenant, refused, type Tenant } from "../abuse/support.js";

type Any = any;

let c: Cluster;
let teamA: Tenant;
let teamB: Tenant;
const A_HOST = "a.abuse.example";
const CHART_DENIED = /admission webhook "pepr-portico\.pepr\.dev" denied the request/;

const json = async (args: string[]): Promise<Any> => JSON.parse(await c.kubectlOk([...args, "-o", "json"], { timeoutMs: 60_000 }));

async function nginxPods(): Promise<Any[]> {
  return (await json(["get", "pods", "-n", RELEASE_NAMESPACE, "-l", "app.kubernetes.io/component=nginx"])).items.filter(
    (p: Any) => !p.metadata.deletionTimestamp,
  );
}

const ready = (p: Any) => p.status.conditions?.find((x: Any) => x.type === "Ready")?.status === "True";

before(async () => {
  c = await startCluster({ node: true });
  process.env.KUBECONFIG = c.kubeconfig;
  await installPortico(c);
  await waitForDataPlane(c);
  teamA = await createTenant(c, "team-a");
  teamB = await createTenant(c, "team-b");
  await c.apply([...echoBackend("team-a", "web"), ...echoBackend("team-b", "web")]);
  for (const ns of ["team-a", "team-b"]) await c.kubectlOk(["rollout", "status", "-n", ns, "deployment/web", "--timeout=120s"], { timeoutMs: 130_000 });
  await admitted(teamA, ingressManifest("team-a", "site", { ingressClassName: "portico", rules: [prefixRule(A_HOST, [["/", "web"]])] }));
  await waitUntil(`${A_HOST} served by team-a`, async () => (await nodeGet(A_HOST, "/")).json?.service === "team-a/web");
});

after(async () => {
  await c?.stop();
});

test("a tenant's hostless Exact /healthz leaves every NGINX pod Ready", async () => {
  await admitted(
    teamB,
    ingressManifest("team-b", "healthz", {
      ingressClassName: "portico",
      rules: [{ http: { paths: [{ path: "/healthz", pathType: "Exact", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
    }),
  );
  await waitUntil("the default server's /healthz is team-b's", async () => (await nodeGet("unknown.abuse.example", "/healthz")).json?.service === "team-b/web");
  // Several readiness periods later, every replica is still Ready and none restarted.
  const before = await nginxPods();
  await new Promise((r) => setTimeout(r, 30_000));
  const now = await nginxPods();
  assert.ok(now.length >= 1);
  for (const p of now) {
    assert.ok(ready(p), `${p.metadata.name} not Ready`);
    const was = before.find((b) => b.metadata.name === p.metadata.name);
    const restarts = (x: Any) => x.status.containerStatuses.reduce((n: number, s: Any) => n + s.restartCount, 0);
    if (was) assert.equal(restarts(p), restarts(was), `${p.metadata.name} restarted`);
  }
  assert.equal((await nodeGet(A_HOST, "/")).json?.service, "team-a/web");
});

test("team-b's /(?:.*) on team-a's host is refused by the admission pod; team-a keeps its traffic", async () => {
  const grab = ingressManifest(
    "team-b",
    "grab",
    {
      ingressClassName: "portico",
      rules: [
        {
          host: A_HOST,
          http: { paths: [{ path: "/(?:.*)", pathType: "ImplementationSpecific", backend: { service: { name: "web", port: { number: 80 } } } }] },
        },
      ],
    },
    { "nginx.ingress.kubernetes.io/use-regex": "true" },
  );
  const r = await teamB.apply(grab);
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, CHART_DENIED);
  assert.ok(r.stderr.includes('belongs to namespace "team-a"'), r.stderr);
  for (const path of ["/", "/anything"]) assert.equal((await nodeGet(A_HOST, path)).json?.service, "team-a/web");
});

test("a tenant's portico.dev/admission: skip and owner: helm labels skip no webhook", async () => {
  const hostile = ingressManifest(
    "team-b",
    "labelled",
    { ingressClassName: "portico", rules: [prefixRule("labelled.abuse.example", [["/", "web"]])] },
    { "nginx.ingress.kubernetes.io/configuration-snippet": "return 200;" },
  ) as Any;
  hostile.metadata.labels = { "portico.dev/admission": "skip", owner: "helm", "app.kubernetes.io/managed-by": "Helm" };
  const stderr = await refused(teamB, hostile);
  assert.match(stderr, /configuration-snippet/);
});

test("the agent's /status does not answer on the pod's address; its metrics do", async () => {
  for (const p of await nginxPods()) {
    const metrics = await fetch(`http://${p.status.podIP}:${CLI_DEFAULTS.metricsPort}/metrics`);
    assert.equal(metrics.status, 200);
    const body = await metrics.text();
    assert.doesNotMatch(body, /lastError|appliedConfigHash/, "metrics carry no status document");
    const status = await fetch(`http://${p.status.podIP}:${CLI_DEFAULTS.statusPort}/status`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status,
      () => "refused",
    );
    assert.equal(status, "refused", `${p.metadata.name}: /status answered on ${p.status.podIP}`);
  }
});
