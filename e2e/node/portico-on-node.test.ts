// Portico as its users run it: a node cluster, `helm install` of helm/portico with the local images,
// backends that are Deployments of the echo image behind Services (EndpointSlices from the real
// controller), and requests to the in-cluster nginx through its NodePorts. One cluster and one install
// serve the whole file (the tests run in order and build on each other); helm upgrade/uninstall last.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { stateObjectNames } from "../../src/api/state-names.js";
import { bin, NODE, servingCertificate, startCluster, waitUntil, type Cluster } from "../../src/local/cluster/index.js";
import { run } from "../../src/local/cluster/exec.js";
import { ingressManifest, prefixRule } from "../../src/local/backends.js";
import { continuousLoad, echoBackend, nodeGet, type LoadResult } from "../../src/local/node-backends.js";
import { installPortico, RELEASE, RELEASE_NAMESPACE, waitForDataPlane } from "../../src/local/node-install.js";
import { request } from "../../src/local/http.js";
import { getObject } from "../support/objects.js";

type Any = any;

const NS = "guide";
const NGINX = `${RELEASE}-nginx`;
let c: Cluster;

const kubectl = (args: string[], timeoutMs = 60_000) => c.kubectlOk(args, { timeoutMs });
const json = async (args: string[]): Promise<Any> => JSON.parse(await kubectl([...args, "-o", "json"]));

async function nginxPods(): Promise<Any[]> {
  return (await json(["get", "pods", "-n", RELEASE_NAMESPACE, "-l", "app.kubernetes.io/component=nginx"])).items.filter(
    (p: Any) => !p.metadata.deletionTimestamp,
  );
}

function containerId(pod: Any, name: string): string {
  const s = pod.status.containerStatuses.find((x: Any) => x.name === name);
  return s.containerID.replace(/^containerd:\/\//, "");
}

const ctr = (args: string[]) => run(bin("ctr"), ["--address", NODE.containerdSocket, "-n", "k8s.io", ...args]);

async function reloadsOf(pod: Any): Promise<number> {
  const r = await fetch(`http://${pod.status.podIP}:10254/metrics`);
  const m = /^portico_agent_reloads_total(?:\{[^}]*\})? (\d+)/m.exec(await r.text());
  return Number(m?.[1] ?? NaN);
}

async function rolloutUnderLoad(host: string, restart: () => Promise<void>, done: () => Promise<void>): Promise<LoadResult> {
  const load = continuousLoad(host, { concurrency: 4 });
  await new Promise((r) => setTimeout(r, 1000));
  await restart();
  await done();
  await new Promise((r) => setTimeout(r, 2000)); // requests after the last old pod went away
  return load.stop();
}

before(async () => {
  c = await startCluster({ node: true });
  process.env.KUBECONFIG = c.kubeconfig;
  await installPortico(c);
  await waitForDataPlane(c);
  await c.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await c.apply([...echoBackend(NS, "s1"), ...echoBackend(NS, "s2")]);
  for (const s of ["s1", "s2"]) await kubectl(["rollout", "status", "-n", NS, `deployment/${s}`, "--timeout=120s"], 130_000);
});

after(async () => {
  await c?.stop();
});

test("every Ingress type of the classic guide routes to real pods; status ADDRESS is the node address", async () => {
  const podsOf = async (app: string) => (await json(["get", "pods", "-n", NS, "-l", `app=${app}`])).items.map((p: Any) => p.metadata.name);
  const s1Pods = await podsOf("s1");
  const expect = async (host: string, path: string, service: string) => {
    const a = await waitUntil(`${host}${path} -> ${service}`, async () => {
      const r = await nodeGet(host, path);
      return r.status === 200 && r.json?.service === `${NS}/${service}` ? r : undefined;
    });
    return a.json!.pod!;
  };
  await c.apply(ingressManifest(NS, "test-ingress", { ingressClassName: "portico", defaultBackend: { service: { name: "s1", port: { number: 80 } } } }));
  assert.ok(s1Pods.includes(await expect("anything.example", "/", "s1")), "answered by a pod of the s1 Deployment");
  await kubectl(["-n", NS, "delete", "ingress", "test-ingress"]);
  await waitUntil("no default backend Ingress: 404", async () => (await nodeGet("anything.example", "/")).status === 404);

  await c.apply(
    ingressManifest(NS, "simple-fanout-example", {
      ingressClassName: "portico",
      rules: [
        prefixRule("foo.bar.com", [
          ["/foo", "s1"],
          ["/bar", "s2"],
        ]),
      ],
    }),
  );
  await expect("foo.bar.com", "/foo", "s1");
  await expect("foo.bar.com", "/bar", "s2");
  await c.apply(
    ingressManifest(NS, "name-virtual-host-ingress", {
      ingressClassName: "portico",
      rules: [prefixRule("first.bar.com", [["/", "s1"]]), prefixRule("second.bar.com", [["/", "s2"]])],
    }),
  );
  await expect("first.bar.com", "/", "s1");
  await expect("second.bar.com", "/", "s2");
  const addresses = await waitUntil("status ADDRESS on both Ingresses", async () => {
    const out = await kubectl(["get", "ingress", "-n", NS, "-o", 'jsonpath={range .items[*]}{.status.loadBalancer.ingress[0].ip}{"\\n"}{end}']);
    const list = out.split("\n").filter(Boolean);
    return list.length === 2 ? list : undefined;
  });
  assert.deepEqual(addresses, [NODE.ip, NODE.ip]);
});

test("TLS by SNI: each host gets its own certificate, an unknown name the default one", async () => {
  for (const host of ["a.tls.example", "b.tls.example"]) {
    const cert = await servingCertificate(mkdtempSync(join(tmpdir(), "portico-node-tls-")), { dnsNames: [host], commonName: host });
    await kubectl(["-n", NS, "create", "secret", "tls", `${host}-tls`, `--cert=${cert.files.cert}`, `--key=${cert.files.key}`]);
    await c.apply(
      ingressManifest(NS, host.replace(/\./g, "-"), {
        ingressClassName: "portico",
        tls: [{ hosts: [host], secretName: `${host}-tls` }],
        rules: [prefixRule(host, [["/", host.startsWith("a") ? "s1" : "s2"]])],
      }),
    );
  }
  for (const [host, service] of [
    ["a.tls.example", "s1"],
    ["b.tls.example", "s2"],
  ]) {
    const a = await waitUntil(`${host} over TLS with its certificate`, async () => {
      const r = await nodeGet(host, "/", { https: true });
      return r.status === 200 && r.certificateSubject === host ? r : undefined;
    });
    assert.equal(a.json?.service, `${NS}/${service}`);
  }
  assert.equal((await nodeGet("unknown.tls.example", "/", { https: true })).certificateSubject, "Portico Default Certificate");
});

test("the nginx container has no ServiceAccount token; the agent's token can do only what its Role says", async () => {
  const pod = (await nginxPods())[0];
  const name = pod.metadata.name;
  const inNginx = await c.kubectl(["exec", "-n", RELEASE_NAMESPACE, name, "-c", "nginx", "--", "ls", "/var/run/secrets/kubernetes.io/serviceaccount"]);
  assert.notEqual(inNginx.code, 0, `nginx container must have no token dir: ${inNginx.stdout}`);
  assert.match(inNginx.stderr, /No such file or directory/);
  const mounts = await kubectl(["exec", "-n", RELEASE_NAMESPACE, name, "-c", "nginx", "--", "cat", "/proc/self/mounts"]);
  assert.ok(!/serviceaccount|token/.test(mounts), "no token mount in the nginx container");
  const inAgent = await kubectl(["exec", "-n", RELEASE_NAMESPACE, name, "-c", "agent", "--", "ls", "/var/run/secrets/kubernetes.io/serviceaccount"]);
  assert.match(inAgent, /token/);

  const sa = `system:serviceaccount:${RELEASE_NAMESPACE}:${pod.spec.serviceAccountName}`;
  const can = async (args: string[]) => (await c.kubectl(["auth", "can-i", ...args, "--as", sa])).stdout.trim();
  const state = stateObjectNames(RELEASE);
  assert.equal(await can(["get", `configmap/${state.configMaps[0]}`, "-n", RELEASE_NAMESPACE]), "yes");
  assert.equal(await can(["watch", `configmap/${state.configMaps[0]}`, "-n", RELEASE_NAMESPACE]), "yes");
  assert.equal(await can(["patch", `ingresscontrollers.portico.dev/${RELEASE}`, "--subresource=status", "-n", RELEASE_NAMESPACE]), "yes");
  for (const denied of [
    ["list", "secrets", "-n", RELEASE_NAMESPACE],
    ["get", "secret/some-other", "-n", RELEASE_NAMESPACE],
    ["get", "configmap/some-other", "-n", RELEASE_NAMESPACE],
    ["patch", `ingresscontrollers.portico.dev/${RELEASE}`, "-n", RELEASE_NAMESPACE],
    ["get", `configmap/${state.configMaps[0]}`, "-n", NS],
    ["list", "pods", "-n", RELEASE_NAMESPACE],
    ["create", "pods", "-n", RELEASE_NAMESPACE],
    ["list", "secrets", "-A"],
  ])
    assert.equal(await can(denied), "no", `denied: ${denied.join(" ")}`);
});

test("readiness means something: an nginx that cannot answer is not Ready and leaves the Service", async () => {
  const pod = (await nginxPods())[0];
  const id = containerId(pod, "nginx");
  const name = pod.metadata.name;
  const ready = async () => {
    const p = await json(["get", "pod", "-n", RELEASE_NAMESPACE, name]);
    return p.status.conditions.find((x: Any) => x.type === "Ready")?.status === "True";
  };
  const inSlice = async () => {
    const out = await kubectl(["get", "endpointslices", "-n", RELEASE_NAMESPACE, "-l", `kubernetes.io/service-name=${NGINX}`, "-o", "json"]);
    return (JSON.parse(out).items as Any[]).some((s) => s.endpoints?.some((e: Any) => e.targetRef?.name === name && e.conditions?.ready));
  };
  assert.ok(await ready());
  const paused = await ctr(["tasks", "pause", id]); // freezes every process of the nginx container
  assert.equal(paused.code, 0, paused.stderr);
  try {
    await waitUntil("the frozen nginx pod not Ready", async () => !(await ready()), { timeoutMs: 60_000, intervalMs: 1000 });
    await waitUntil("the frozen pod out of the Service's ready endpoints", async () => !(await inSlice()), { timeoutMs: 30_000 });
    for (let i = 0; i < 20; i++) assert.equal((await nodeGet("first.bar.com", "/")).status, 200, "the other replica serves");
  } finally {
    await ctr(["tasks", "resume", id]);
  }
  await waitUntil("Ready again after resume", () => ready(), { timeoutMs: 60_000, intervalMs: 1000 });
});

test("the nginx container killed: the kubelet restarts it, routes stay, no reload storm", async () => {
  const pod = (await nginxPods())[0];
  const name = pod.metadata.name;
  const restartsBefore = pod.status.containerStatuses.find((x: Any) => x.name === "nginx").restartCount;
  const reloadsBefore = await reloadsOf(pod);
  const killed = await ctr(["tasks", "kill", "--signal", "SIGKILL", "--all", containerId(pod, "nginx")]);
  assert.equal(killed.code, 0, killed.stderr);
  const after = await waitUntil(
    "nginx container restarted and Ready",
    async () => {
      const p = await json(["get", "pod", "-n", RELEASE_NAMESPACE, name]);
      const s = p.status.containerStatuses.find((x: Any) => x.name === "nginx");
      return s.restartCount > restartsBefore && s.ready ? p : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  // Requests straight to the restarted pod (not through the Service): its routes and endpoints are back.
  const direct = await waitUntil("the restarted pod routes first.bar.com", async () => {
    const r = await request({ address: after.status.podIP, port: 8080, host: "first.bar.com" });
    return r.status === 200 ? r.json : undefined;
  });
  assert.equal(direct.service, `${NS}/s1`);
  await new Promise((r) => setTimeout(r, 5000));
  const reloads = (await reloadsOf(after)) - reloadsBefore;
  assert.ok(reloads <= 1, `at most one reload after an nginx restart, saw ${reloads}`);
});

test("a backend Deployment rolled (kubectl rollout restart) under continuous load: 0 failed requests", async () => {
  const before = new Set((await json(["get", "pods", "-n", NS, "-l", "app=s1"])).items.map((p: Any) => p.metadata.name));
  const r = await rolloutUnderLoad(
    "first.bar.com",
    async () => void (await kubectl(["rollout", "restart", "-n", NS, "deployment/s1"])),
    async () => void (await kubectl(["rollout", "status", "-n", NS, "deployment/s1", "--timeout=180s"], 190_000)),
  );
  console.log(`backend rollout: ${r.requests} requests, ${r.failed} failed, ${r.retriedOnReusedConnection} retried, slowest ${r.maxMs.toFixed(0)} ms`);
  // nginx stays up: no keep-alive connection of the client is ever closed under it.
  assert.equal(r.retriedOnReusedConnection, 0, "nginx closed no client connection during a backend rollout");
  assert.ok(r.requests > 50, `load ran (${r.requests} requests)`);
  assert.equal(r.failed, 0, `failed requests during the backend rollout: ${r.failures.join("; ")}`);
  const answered = [...r.pods.keys()];
  assert.ok(
    answered.some((p: string) => !before.has(p)),
    "new pods answered",
  );
});

test("Portico's NGINX Deployment rolled under continuous load: 0 failed requests (preStop and drain)", async () => {
  const r = await rolloutUnderLoad(
    "first.bar.com",
    async () => void (await kubectl(["rollout", "restart", "-n", RELEASE_NAMESPACE, `deployment/${NGINX}`])),
    async () => void (await kubectl(["rollout", "status", "-n", RELEASE_NAMESPACE, `deployment/${NGINX}`, "--timeout=300s"], 310_000)),
  );
  console.log(`nginx rollout: ${r.requests} requests, ${r.failed} failed, ${r.retriedOnReusedConnection} retried, slowest ${r.maxMs.toFixed(0)} ms`);
  // Each of the client's 4 connections is closed at most once by each of the 2 exiting pods.
  assert.ok(r.retriedOnReusedConnection <= 8, `${r.retriedOnReusedConnection} keep-alive closes: more than one per connection and exiting pod`);
  assert.ok(r.requests > 50, `load ran (${r.requests} requests)`);
  assert.equal(r.failed, 0, `failed requests during the NGINX rollout: ${r.failures.join("; ")}`);
});

test("a data-plane namespace labelled pod-security enforce=restricted admits Portico's pods", async () => {
  await c.apply({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "restricted", labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" } },
  });
  // The label is enforced: a pod that runs as root is refused.
  const bad = await c.kubectl(["run", "-n", "restricted", "rooty", `--image=${NODE.sandboxImage}`, "--image-pull-policy=Never", "--restart=Never"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /violates PodSecurity "restricted/);
  await c.apply({
    apiVersion: "portico.dev/v1alpha1",
    kind: "IngressController",
    metadata: { name: "strict", namespace: "restricted" },
    spec: { replicas: 1, ingressClass: { name: "strict" }, service: { type: "ClusterIP" } },
  });
  // The release's RBAC covers only the release namespace and rbac.extraNamespaces: the operator says
  // so on the IngressController, then converges once the namespace is added by helm upgrade.
  await waitUntil(
    "a NamespaceNotPermitted Event on the IngressController",
    async () => (await kubectl(["get", "events", "-n", "restricted", "--field-selector", "reason=NamespaceNotPermitted", "-o", "name"])).trim() !== "",
    { timeoutMs: 60_000, intervalMs: 1000 },
  );
  const said = await kubectl(["get", "events", "-n", "restricted", "--field-selector", "reason=NamespaceNotPermitted", "-o", "jsonpath={.items[0].message}"]);
  assert.match(said, /rbac\.extraNamespaces/);
  await installPortico(c, { values: [{ rbac: { extraNamespaces: ["restricted"] } }] });
  await waitUntil(
    "the restricted namespace's NGINX Deployment",
    async () => (await c.kubectl(["get", "-n", "restricted", "deployment/strict-nginx"])).code === 0,
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
  await kubectl(["rollout", "status", "-n", "restricted", "deployment/strict-nginx", "--timeout=180s"], 190_000);
  await kubectl(["rollout", "status", "-n", "restricted", "deployment/strict-default-backend", "--timeout=120s"], 130_000);
  const events = await kubectl(["get", "events", "-n", "restricted", "--field-selector", "reason=FailedCreate", "-o", "name"]);
  assert.equal(events.trim(), "", "no pod was refused");
  await kubectl(["delete", "-n", "restricted", "ingresscontroller/strict", "--wait=true", "--timeout=60s"], 70_000);
});

test("helm upgrade with changed values rolls the pods", async () => {
  const before = new Set((await nginxPods()).map((p) => p.metadata.name));
  await installPortico(c, { values: [{ ingressController: { spec: { resources: { requests: { cpu: "50m", memory: "80Mi" } } } } }] });
  await waitUntil(
    "the NGINX pods replaced by ones with the new resources",
    async () => {
      const pods = await nginxPods();
      return (
        pods.length === 2 &&
        pods.every(
          (p) =>
            !before.has(p.metadata.name) && p.spec.containers[0].resources.requests.cpu === "50m" && p.status.containerStatuses?.every((s: Any) => s.ready),
        )
      );
    },
    { timeoutMs: 240_000, intervalMs: 1000 },
  );
});

test("helm uninstall leaves only the CRD; install where pepr-system already exists succeeds", async () => {
  await kubectl(["delete", "namespace", NS, "--wait=false"]);
  const un = await c.helm(["uninstall", RELEASE, "-n", RELEASE_NAMESPACE, "--wait", "--timeout", "180s"], { timeoutMs: 200_000 });
  assert.equal(un.code, 0, un.stderr);
  await waitUntil(
    "pepr-system and every Portico object gone",
    async () => {
      const ns = await c.kubectl(["get", "namespace", "pepr-system", "-o", "name", "--ignore-not-found"]);
      const left = await kubectl(["get", "deployments,services,ingressclasses,ingresscontrollers", "-A", "-l", "app.kubernetes.io/name=portico", "-o", "name"]);
      return ns.stdout.trim() === "" && left.trim() === "";
    },
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
  assert.ok(await getObject(c, "crd", "ingresscontrollers.portico.dev", null), "the CRD stays (Helm never deletes crds/)");
  const webhooks = await kubectl(["get", "validatingwebhookconfigurations,mutatingwebhookconfigurations", "-o", "name"]);
  assert.ok(!/pepr-portico/.test(webhooks), `webhooks removed: ${webhooks}`);
  assert.equal((await kubectl(["get", "clusterroles", "-o", "name"])).includes("pepr-portico"), false);

  // Another Pepr module (or the local mode) made pepr-system: the chart installs into it and leaves it.
  await kubectl(["create", "namespace", "pepr-system"]);
  await installPortico(c);
  await waitForDataPlane(c);
  const ns = await getObject(c, "namespace", "pepr-system", null);
  assert.equal(ns.metadata.annotations?.["meta.helm.sh/release-name"], undefined, "the foreign namespace is not adopted");
  const un2 = await c.helm(["uninstall", RELEASE, "-n", RELEASE_NAMESPACE, "--wait", "--timeout", "180s"], { timeoutMs: 200_000 });
  assert.equal(un2.code, 0, un2.stderr);
  assert.ok(await getObject(c, "namespace", "pepr-system", null), "a namespace the release did not make stays");
});
