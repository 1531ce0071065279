// The abuse suites' cast, on a real API server, the real Pepr module and a real agent + nginx
// (process mode, src/local/portico-env.ts): tenants are real identities — a ServiceAccount per
// namespace bound to a Role that may write Ingresses, Secrets and Services there and nothing
// else — using kubectl with nothing but their own token; the anonymous client is plain HTTP/TLS
// to nginx. "Admission bypassed" means Portico's webhook configurations are gone while an object
// is written (a webhook outage under failurePolicy Ignore, an object older than the install):
// what the build must then hold on its own.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Cluster, EchoPod } from "../../src/local/cluster/index.js";
import { exposePods, ingressManifest, prefixRule } from "../../src/local/backends.js";
import { eventually, type Answer } from "../../src/local/http.js";
import { startPorticoEnv, type PorticoEnv } from "../../src/local/portico-env.js";

/** Local mode's webhook (src/local/pepr-process.ts) or the chart's. */
export const DENIED = /admission webhook "(portico\.portico\.dev|pepr-portico\.pepr\.dev)" denied the request/;

/** What a tenant's Role grants in its own namespace (a typical app team's). */
export const TENANT_RULES = [
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: [""], resources: ["secrets", "services"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
];

export interface Tenant {
  ns: string;
  /** system:serviceaccount:<ns>:tenant */
  user: string;
  kubeconfig: string;
  /** kubectl with only the tenant's token. */
  kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  apply(obj: object): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Creates namespace `ns`, its ServiceAccount `tenant` bound to TENANT_RULES there, and a
 * kubeconfig holding only that ServiceAccount's token. */
export async function createTenant(c: Cluster, ns: string): Promise<Tenant> {
  await c.apply([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "tenant", namespace: ns } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "tenant", namespace: ns }, rules: TENANT_RULES },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "tenant", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "tenant" },
      subjects: [{ kind: "ServiceAccount", name: "tenant", namespace: ns }],
    },
  ]);
  const token = (await c.kubectlOk(["-n", ns, "create", "token", "tenant", "--duration=2h"])).trim();
  const kubeconfig = join(c.dir, `tenant-${ns}.kubeconfig`);
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "local", cluster: { server: c.server, "certificate-authority-data": Buffer.from(c.caPem).toString("base64") } }],
      users: [{ name: "tenant", user: { token } }],
      contexts: [{ name: "tenant", context: { cluster: "local", user: "tenant", namespace: ns } }],
      "current-context": "tenant",
    }),
    { mode: 0o600 },
  );
  const kubectl = (args: string[], input?: string) => c.kubectl(["--kubeconfig", kubeconfig, ...args], { input });
  return { ns, user: `system:serviceaccount:${ns}:tenant`, kubeconfig, kubectl, apply: (obj) => kubectl(["apply", "-f", "-"], JSON.stringify(obj)) };
}

/** The tenant's write is refused by Portico's admission, and the message names `field`. */
export async function refused(t: Tenant, obj: object, ...mentions: string[]): Promise<string> {
  const r = await t.apply(obj);
  assert.notEqual(r.code, 0, `${t.ns}: the write was admitted: ${r.stdout}`);
  assert.match(r.stderr, DENIED, r.stderr);
  for (const m of mentions) assert.ok(r.stderr.includes(m), `the refusal does not name ${JSON.stringify(m)}:\n${r.stderr}`);
  return r.stderr;
}

export async function admitted(t: Tenant, obj: object): Promise<string> {
  const r = await t.apply(obj);
  assert.equal(r.code, 0, `${t.ns}: ${r.stderr}`);
  return r.stderr;
}

/** Runs `write` with Portico's webhook configurations removed (admission unavailable to the API
 * server), then puts them back and waits until the API server calls the webhook again. */
export async function withAdmissionBypassed<T>(env: PorticoEnv, write: () => Promise<T>): Promise<T> {
  const c = env.cluster;
  const manifest = readFileSync(join(c.dir, "portico", "pepr", "webhooks.json"), "utf8"); // local mode's (src/local/pepr-process.ts)
  await c.kubectlOk(["delete", "validatingwebhookconfiguration/portico", "mutatingwebhookconfiguration/portico", "--ignore-not-found"]);
  try {
    return await write();
  } finally {
    await c.kubectlOk(["apply", "-f", "-"], { input: manifest });
    await eventually(async () => {
      const r = await c.kubectl(["apply", "--dry-run=server", "-f", "-"], {
        input: JSON.stringify(
          ingressManifest("default", "admission-probe", { ingressClassName: "portico", rules: [prefixRule("probe.invalid", [["/a{", "x"]])] }),
        ),
      });
      assert.match(r.stderr, DENIED, "admission is back");
    }, 30_000);
  }
}

export async function servedBy(env: PorticoEnv, host: string, path: string, service: string, https = false): Promise<Answer> {
  return eventually(async () => {
    const a = await env.get(host, path, { https });
    assert.equal(a.status, 200, `${host}${path}: status ${a.status} ${a.body.slice(0, 200)}`);
    assert.equal(a.json?.service, service, `${host}${path} served by ${a.json?.service}`);
    return a;
  }, 30_000);
}

/** `Reason: message` of the Events whose involved object is `kind` `ns/name`. */
export async function eventsOf(env: PorticoEnv, ns: string, name: string, kind = "Ingress"): Promise<string[]> {
  const events = JSON.parse(
    await env.cluster.kubectlOk(["-n", ns, "get", "events", "--field-selector", `involvedObject.kind=${kind},involvedObject.name=${name}`, "-o", "json"]),
  );
  return events.items.map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
}

/** Waits for an Event on the culprit whose text includes every one of `mentions`. */
export async function eventNamed(env: PorticoEnv, ns: string, name: string, mentions: string[], kind = "Ingress"): Promise<string> {
  return eventually(async () => {
    const all = await eventsOf(env, ns, name, kind);
    const hit = all.find((e) => mentions.every((m) => e.includes(m)));
    assert.ok(hit, `no Event on ${kind} ${ns}/${name} naming ${JSON.stringify(mentions)}; events: ${JSON.stringify(all)}`);
    return hit;
  }, 60_000);
}

/** A victim team: one Ingress on its own host, served by its own echo pod; `stillConverges` shows
 * its traffic answers and a change it makes now is applied (the data plane is not stuck). */
export class Victim {
  private changes = 0;
  constructor(
    readonly env: PorticoEnv,
    readonly tenant: Tenant,
    readonly host: string,
    readonly service = "web",
  ) {}

  get backend(): string {
    return `${this.tenant.ns}/${this.service}`;
  }

  manifest(extraPaths: [string, string][] = []) {
    return ingressManifest(this.tenant.ns, "site", {
      ingressClassName: "portico",
      rules: [prefixRule(this.host, [["/", this.service], ...extraPaths])],
    });
  }

  async start(): Promise<void> {
    await admitted(this.tenant, this.manifest());
    await servedBy(this.env, this.host, "/", this.backend);
  }

  async stillConverges(): Promise<void> {
    await servedBy(this.env, this.host, "/", this.backend);
    this.changes++;
    const paths: [string, string][] = [];
    for (let i = 1; i <= this.changes; i++) paths.push([`/change-${i}`, this.service]);
    await admitted(this.tenant, this.manifest(paths));
    const a = await servedBy(this.env, this.host, `/change-${this.changes}/x`, this.backend);
    assert.equal(a.json?.path, `/change-${this.changes}/x`);
  }
}

/** An echo pod behind Service `ns/service` (pod names are one namespace on the pod network). */
export async function backend(env: PorticoEnv, ns: string, service: string, pod = `${ns}-${service}`): Promise<EchoPod> {
  const echo = await env.cluster.startEchoPod({ service: `${ns}/${service}`, pod, port: 8080 });
  await exposePods(env.cluster, ns, service, [echo]);
  return echo;
}

export function regexIngress(ns: string, name: string, host: string, paths: string[], service = "web", annotations: Record<string, string> = {}) {
  return ingressManifest(
    ns,
    name,
    {
      ingressClassName: "portico",
      rules: [
        {
          host,
          http: { paths: paths.map((path) => ({ path, pathType: "ImplementationSpecific", backend: { service: { name: service, port: { number: 80 } } } })) },
        },
      ],
    },
    { "nginx.ingress.kubernetes.io/use-regex": "true", ...annotations },
  );
}

export function tlsSecret(ns: string, name: string, cert: { certificate: string; key: string }) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name, namespace: ns },
    data: { "tls.crt": Buffer.from(cert.certificate).toString("base64"), "tls.key": Buffer.from(cert.key).toString("base64") },
  };
}

/** The setting every abuse file starts from: Portico in local mode, team-a (the victim) serving its
 * host from Service `web`, team-b (the attacker) with a `web` Service and any `extraB` of its own. */
export async function twoTenants(victimHost: string, extraB: string[] = []): Promise<{ env: PorticoEnv; teamA: Victim; teamB: Tenant }> {
  const env = await startPorticoEnv();
  const a = await createTenant(env.cluster, "team-a");
  const teamB = await createTenant(env.cluster, "team-b");
  await backend(env, "team-a", "web");
  for (const svc of ["web", ...extraB]) await backend(env, "team-b", svc);
  const teamA = new Victim(env, a, victimHost);
  await teamA.start();
  return { env, teamA, teamB };
}
