// Abuse, part 4 (issue 10: admission scope and privilege), as a tenant would try them: behind the
// chart's own webhook definitions (rendered by helm template, pointed at the local Pepr module),
// team-b's skip labels skip nothing, a Secret that is not kubernetes.io/tls never reaches (so never
// waits for) the Secret webhook, and a ~1 MiB TLS Secret can be updated; team-b cannot read
// Portico's desired state or other namespaces' Secrets; the data plane's token reads nothing but
// its own state objects; the agent listens on loopback only. The release's own identities (every
// grant and denial, `kubectl auth can-i`) are e2e/privilege.test.ts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { parseAllDocuments } from "yaml";
import { ingressManifest, prefixRule } from "../../src/local/backends.js";
import { eventually } from "../../src/local/http.js";
import type { PorticoEnv } from "../../src/local/portico-env.js";
import { stateObjectNames } from "../../src/core/state-objects.js";
import { admitted, twoTenants, Victim, type Tenant } from "./support.js";

let env: PorticoEnv;
let teamA: Victim;
let teamB: Tenant;
const B = "team-b";
const CHART_DENIED = /admission webhook "pepr-portico\.pepr\.dev" denied the request/;

type Any = any;

/** The chart's webhook configurations, each webhook's clientConfig pointed at the local module. */
async function installChartWebhooks(): Promise<Any[]> {
  const r = await env.cluster.helm([
    "template",
    "portico",
    "helm/portico",
    "-n",
    "portico-system",
    "-s",
    "templates/pepr/validation-webhook.yaml",
    "-s",
    "templates/pepr/mutation-webhook.yaml",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const caBundle = Buffer.from(env.mode.pepr.caPem).toString("base64");
  const configs = parseAllDocuments(r.stdout)
    .map((d) => d.toJS())
    .filter((o: Any) => o?.kind?.endsWith("WebhookConfiguration"));
  assert.equal(configs.length, 2);
  for (const cfg of configs) {
    const type = cfg.kind.startsWith("Validating") ? "validate" : "mutate";
    for (const w of cfg.webhooks) w.clientConfig = { url: `https://127.0.0.1:${env.mode.pepr.port}/${type}/portico-local`, caBundle };
  }
  await env.cluster.apply(configs);
  // Local mode's own definitions (no selectors at all) go: only the chart's decide from here on.
  await env.cluster.kubectlOk(["delete", "validatingwebhookconfiguration/portico", "mutatingwebhookconfiguration/portico", "--ignore-not-found"]);
  return configs;
}

before(async () => {
  ({ env, teamA, teamB } = await twoTenants("a.example.test"));
  await installChartWebhooks();
});

after(async () => {
  await env?.stop();
});

function tlsSecretOfSize(name: string, bytes: number) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name, namespace: B },
    data: { "tls.crt": randomBytes(bytes).toString("base64"), "tls.key": randomBytes(1024).toString("base64") },
  };
}

async function setTlsSecretWebhook(patch: { failurePolicy?: string; url?: string }): Promise<void> {
  const vwh = JSON.parse(await env.cluster.kubectlOk(["get", "validatingwebhookconfiguration", "pepr-portico", "-o", "json"]));
  const i = vwh.webhooks.findIndex((w: Any) => w.name === "pepr-portico-tls-secrets.pepr.dev");
  assert.ok(i >= 0, "the chart has a TLS Secret webhook");
  const ops = [];
  if (patch.failurePolicy) ops.push({ op: "replace", path: `/webhooks/${i}/failurePolicy`, value: patch.failurePolicy });
  if (patch.url) ops.push({ op: "replace", path: `/webhooks/${i}/clientConfig/url`, value: patch.url });
  await env.cluster.kubectlOk(["patch", "validatingwebhookconfiguration", "pepr-portico", "--type=json", "-p", JSON.stringify(ops)]);
}

describe("admission scope, through the chart's webhook definitions", () => {
  test("labels portico.dev/admission: skip and owner: helm on a tenant's Ingress skip no validation", async () => {
    const hostile = ingressManifest(
      B,
      "labelled",
      { ingressClassName: "portico", rules: [prefixRule("labelled.b.example.test", [["/a{", "web"]])] },
      { "nginx.ingress.kubernetes.io/configuration-snippet": "return 200;" },
    ) as Any;
    hostile.metadata.labels = { "portico.dev/admission": "skip", owner: "helm", "app.kubernetes.io/managed-by": "Helm" };
    const stderr = await eventually(async () => {
      const r = await teamB.apply(hostile);
      assert.notEqual(r.code, 0, `admitted: ${r.stdout}`);
      assert.match(r.stderr, CHART_DENIED, r.stderr);
      return r.stderr;
    }, 30_000);
    assert.match(stderr, /configuration-snippet/);
    assert.match(stderr, /spec\.rules\[0\]\.http\.paths\[0\]\.path/);
    // The same labels on a valid Ingress are no obstacle either.
    const fine = ingressManifest(B, "fine", { ingressClassName: "portico", rules: [prefixRule("fine.b.example.test", [["/", "web"]])] }) as Any;
    fine.metadata.labels = hostile.metadata.labels;
    await admitted(teamB, fine);
  });

  test("with the TLS Secret webhook unreachable (failurePolicy Fail), a tenant's other Secrets are written: the webhook never sees them", async () => {
    const dead = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    await setTlsSecretWebhook({ failurePolicy: "Fail", url: `https://127.0.0.1:${dead}/validate/portico-local` });
    try {
      await eventually(async () => {
        const tls = await teamB.apply(tlsSecretOfSize("tls-while-down", 512));
        assert.notEqual(tls.code, 0, "the TLS Secret went in: the webhook was not (yet) called");
        assert.match(tls.stderr, /failed calling webhook "pepr-portico-tls-secrets\.pepr\.dev"/);
      }, 30_000);
      const r = await teamB.kubectl(["create", "secret", "generic", "app-config", "--from-literal=password=hunter2"]);
      assert.equal(r.code, 0, r.stderr);
      const d = await teamB.kubectl([
        "create",
        "secret",
        "docker-registry",
        "pull",
        "--docker-server=r.example.test",
        "--docker-username=u",
        "--docker-password=p",
      ]);
      assert.equal(d.code, 0, d.stderr);
      const l = await teamB.kubectl(["label", "secret", "app-config", "rotated=yes"]);
      assert.equal(l.code, 0, l.stderr);
    } finally {
      await setTlsSecretWebhook({ url: `https://127.0.0.1:${env.mode.pepr.port}/validate/portico-local` });
    }
  });

  test("a ~1 MiB TLS Secret is created and updated by a tenant through the TLS Secret webhook (failurePolicy Fail: it answered)", async () => {
    await setTlsSecretWebhook({ failurePolicy: "Fail" });
    const size = 1024 * 1024 - 2048; // the API server's limit is 1 MiB of data in all
    await eventually(async () => {
      const r = await teamB.kubectl(["create", "-f", "-"], JSON.stringify(tlsSecretOfSize("big", size)));
      assert.equal(r.code, 0, r.stderr);
    }, 30_000);
    const next = tlsSecretOfSize("big", size);
    const r = await teamB.kubectl(["replace", "-f", "-"], JSON.stringify(next)); // PUT: the review carries object and oldObject
    assert.equal(r.code, 0, r.stderr);
    const stored = JSON.parse((await teamB.kubectl(["get", "secret", "big", "-o", "json"])).stdout);
    assert.equal(stored.data["tls.crt"], next.data["tls.crt"]);
    await teamA.stillConverges();
  });
});

describe("privilege, as a tenant and as the data plane", () => {
  test("a tenant cannot read Portico's desired state, its IngressController, or another namespace's Secrets", async () => {
    const ns = env.mode.namespace;
    const names = stateObjectNames(env.mode.controllerName);
    for (const args of [
      ["-n", ns, "get", "configmap", names.index],
      ["-n", ns, "get", "configmap", names.config[0]!],
      ["-n", ns, "get", "secret", names.certificates[0]!],
      ["-n", ns, "get", "configmaps"],
      ["-n", ns, "get", "ingresscontrollers"],
      ["-n", "team-a", "get", "secrets"],
      ["-n", "team-a", "get", "ingresses"],
      ["get", "secrets", "--all-namespaces"],
    ]) {
      const r = await teamB.kubectl(args);
      assert.notEqual(r.code, 0, `tenant could: kubectl ${args.join(" ")}`);
      assert.match(r.stderr, /forbidden/i, r.stderr);
    }
  });

  test("the data plane's token reads its own state objects and nothing else: no Secrets, no Ingresses, no other ConfigMaps", async () => {
    const kc = join(env.mode.nginxPrefix, "..", "kubeconfig"); // what local mode gives the agent (the pod's projected token)
    const as = (args: string[]) => env.cluster.kubectl(["--kubeconfig", kc, ...args]);
    const ns = env.mode.namespace;
    const names = stateObjectNames(env.mode.controllerName);
    const own = await as(["-n", ns, "get", "configmap", names.index, "-o", "name"]);
    assert.equal(own.code, 0, own.stderr);
    const ownCerts = await as(["-n", ns, "auth", "can-i", "get", `secrets/${names.certificates[0]}`]);
    assert.equal(ownCerts.stdout.trim(), "yes", "its certificate shards (Secrets, by name)");
    await env.cluster.kubectlOk(["-n", ns, "create", "secret", "generic", "not-for-the-data-plane", "--from-literal=k=v"]);
    for (const args of [
      ["-n", ns, "get", "secrets"],
      ["-n", ns, "get", "secret", "not-for-the-data-plane"],
      ["-n", "team-a", "get", "secrets"],
      ["get", "secrets", "--all-namespaces"],
      ["-n", "team-a", "get", "ingresses"],
      ["-n", ns, "get", "configmaps"],
      ["-n", ns, "get", "configmap", "kube-root-ca.crt"],
      ["-n", "team-a", "get", "configmaps"],
      ["-n", ns, "get", "ingresscontrollers"],
    ]) {
      const r = await as(args);
      assert.notEqual(r.code, 0, `the data plane could: kubectl ${args.join(" ")}`);
      assert.match(r.stderr, /forbidden/i, r.stderr);
    }
  });

  test("the agent's status and nginx's control server listen on loopback only: nothing answers on the host's other addresses", async () => {
    const pids = [env.mode.agent.pid!];
    const ss = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
    const agentSockets = ss.split("\n").filter((l) => pids.some((p) => l.includes(`pid=${p},`)));
    assert.ok(agentSockets.length >= 1, `the agent listens (its /status): ${ss}`);
    const local = (l: string) => l.trim().split(/\s+/)[3]!;
    for (const l of agentSockets) assert.match(local(l), /^(127\.0\.0\.1|\[::1\]):\d+$/, `agent socket ${local(l)}`);
    // nginx's Lua control server (the agent pushes endpoints and certificates through it).
    const control = ss.split("\n").filter((l) => local(l ?? "")?.endsWith(`:${env.mode.controlPort}`));
    assert.ok(control.length >= 1, `nothing on the control port ${env.mode.controlPort}`);
    for (const l of control) assert.match(local(l), /^127\.0\.0\.1:\d+$/);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === "IPv4" && !i.internal)
      .map((i) => i!.address);
    const ports = [...agentSockets.map((l) => Number(local(l).split(":").pop())), env.mode.controlPort];
    for (const address of others)
      for (const port of ports) {
        const reached = await new Promise<boolean>((resolve) => {
          const s = net.connect({ host: address, port, timeout: 2000 }, () => {
            s.destroy();
            resolve(true);
          });
          s.on("error", () => resolve(false));
          s.on("timeout", () => {
            s.destroy();
            resolve(false);
          });
        });
        assert.equal(reached, false, `${address}:${port} accepted a connection`);
      }
  });
});
