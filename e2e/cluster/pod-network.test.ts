// The pod network: fake pods in a network namespace answer the host, are wired to a selector-less
// Service by a hand-written EndpointSlice, and two clusters get separate networks side by side.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster, type Cluster } from "../../src/local/cluster/cluster.js";
import { repoRoot } from "../../src/local/cluster/paths.js";
import { servingCertificate } from "../../src/local/cluster/pki.js";
import { waitUntil } from "../../src/local/cluster/wait.js";
import { fakeService } from "../../src/local/cluster/manifests.js";

let a: Cluster;
let b: Cluster;

before(async () => {
  [a, b] = await Promise.all([startCluster(), startCluster()]);
});
after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("pod network", () => {
  it("serves a fake pod behind a selector-less Service with a hand-written EndpointSlice", async () => {
    const pod = await a.startEchoPod({ service: "default/echo", pod: "echo-1", port: 8080 });
    assert.match(pod.ip, /^198\.18\.\d+\.\d+$/);
    assert.ok(pod.ip.startsWith(a.podNetwork.cidr.split(".").slice(0, 3).join(".") + "."), `${pod.ip} outside ${a.podNetwork.cidr}`);
    await a.apply(fakeService({ name: "echo", port: 80, targetPort: 8080, pods: [{ name: "echo-1", ip: pod.ip }] }));
    const slice = JSON.parse(await a.kubectlOk(["get", "endpointslice", "echo-portico", "-o", "json"]));
    assert.deepEqual(
      slice.endpoints.map((e: any) => e.addresses[0]),
      [pod.ip],
    );
    assert.equal(slice.metadata.labels["kubernetes.io/service-name"], "echo");
    const res = await fetch(`${pod.url}/hello?x=1`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { pod: string; service: string; path: string };
    assert.deepEqual([body.pod, body.service, body.path], ["echo-1", "default/echo", "/hello?x=1"]);
  });

  it("refuses loopback endpoints, which is why fake pods need the namespace", async () => {
    await assert.rejects(a.apply(fakeService({ name: "loop", port: 80, pods: [{ name: "l", ip: "127.0.0.1" }] })), /loopback/);
  });

  it("runs a TCP echo pod and stops its process", async () => {
    const pod = await a.startEchoPod({ service: "default/tcp", pod: "tcp-1", port: 9000, tcp: true });
    const line = await new Promise<string>((resolve, reject) => {
      const sock = connect(9000, pod.ip, () => sock.write("ping\n"));
      let buf = "";
      sock.on("data", (d) => {
        buf += d.toString();
        if (buf.includes("\n")) {
          sock.destroy();
          resolve(buf.trim());
        }
      });
      sock.on("error", reject);
    });
    assert.equal(line, "tcp-1: ping");
    // From inside the namespace too (ip netns exec), the pod's own view.
    const inside = await a.podNetwork.exec("bash", ["-c", `exec 3<>/dev/tcp/${pod.ip}/9000; echo pong >&3; head -n1 <&3`]);
    assert.equal(inside.stdout.trim(), "tcp-1: pong", inside.stderr);
    await pod.stop();
    assert.equal(pod.process.running, false);
    await assert.rejects(fetch(`http://${pod.ip}:9000/`, { signal: AbortSignal.timeout(2000) }));
  });

  it("routes a `service:` admission webhook to a fake pod through its EndpointSlice", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "portico-svc-webhook-"));
    try {
      const cert = await servingCertificate(tmp, { dnsNames: ["hook.default.svc"], ips: [] });
      const pod = await a.podNetwork.addPod({ name: "hook-1" });
      const proc = pod.spawn(process.execPath, [
        join(repoRoot, "e2e/cluster/fixtures/webhook-pod.mjs"),
        "--host",
        pod.ip,
        "--port",
        "8443",
        "--pod",
        "hook-1",
        "--tls",
        `${cert.files.cert},${cert.files.key}`,
      ]);
      await proc.waitForOutput(/^listening /m);
      await a.apply(fakeService({ name: "hook", port: 443, targetPort: 8443, portName: "https", pods: [{ name: "hook-1", ip: pod.ip }] }));
      await a.kubectlOk(["create", "namespace", "svc-hooked"]);
      await a.apply({
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingWebhookConfiguration",
        metadata: { name: "portico-svc-hook" },
        webhooks: [
          {
            name: "svc.e2e.portico.dev",
            clientConfig: {
              service: { namespace: "default", name: "hook", port: 443, path: "/validate" },
              caBundle: Buffer.from(cert.caPem).toString("base64"),
            },
            rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] }],
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "svc-hooked" } },
            admissionReviewVersions: ["v1"],
            sideEffects: "None",
            failurePolicy: "Fail",
            timeoutSeconds: 5,
          },
        ],
      });
      const denied = await waitUntil("the service webhook to deny", async () => {
        const r = await a.kubectl(["-n", "svc-hooked", "create", "configmap", "deny-me"]);
        return r.code !== 0 && /refuses/.test(r.stderr) ? r : undefined;
      });
      assert.match(denied.stderr, /webhook-pod hook-1 refuses deny-me/);
      await a.kubectlOk(["-n", "svc-hooked", "create", "configmap", "allow-me"]);
    } finally {
      await a.kubectl(["delete", "validatingwebhookconfiguration", "portico-svc-hook", "--ignore-not-found"]);
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("keeps two clusters apart: own API servers, own networks", async () => {
    assert.notEqual(a.server, b.server);
    assert.notEqual(a.podNetwork.netns, b.podNetwork.netns);
    assert.notEqual(a.podNetwork.cidr, b.podNetwork.cidr);
    await b.kubectlOk(["create", "namespace", "only-in-b"]);
    const inA = await a.kubectl(["get", "namespace", "only-in-b"]);
    assert.match(inA.stderr, /NotFound/);
    const pb = await b.startEchoPod({ service: "default/echo", pod: "echo-1", port: 8080 });
    const res = await fetch(`${pb.url}/`);
    assert.equal(((await res.json()) as { pod: string }).pod, "echo-1");
    assert.notEqual(pb.ip, a.podNetwork.pod("echo-1")?.ip);
  });
});
