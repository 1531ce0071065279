// Smoke tests of the local control plane: one cluster for the whole file.
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startCluster, type Cluster } from "../../src/local/cluster/cluster.js";
import { servingCertificate } from "../../src/local/cluster/pki.js";
import { kubernetesVersion } from "../../src/local/cluster/versions.js";
import { waitUntil } from "../../src/local/cluster/wait.js";

let cluster: Cluster;
const tmp = mkdtempSync(join(tmpdir(), "portico-cluster-test-"));

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function getJson(args: string[]): Promise<any> {
  return JSON.parse(await cluster.kubectlOk([...args, "-o", "json"]));
}

describe("local control plane", () => {
  it("reports the version it was built at", async () => {
    const v = JSON.parse(await cluster.kubectlOk(["version", "-o", "json"]));
    assert.equal(v.serverVersion.gitVersion, kubernetesVersion());
    assert.equal(v.clientVersion.gitVersion, kubernetesVersion());
  });

  it("authenticates the admin by token and client certificate, and authorizes with RBAC", async () => {
    const req = (path: string, headers: Record<string, string> = {}, tls: { cert?: string; key?: string } = {}) =>
      new Promise<number>((resolve, reject) =>
        https
          .get(`${cluster.server}${path}`, { ca: cluster.caPem, headers, ...tls }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on("error", reject),
      );
    const secrets = "/api/v1/namespaces/kube-system/secrets";
    assert.equal(await req(secrets, { authorization: `Bearer ${cluster.adminToken}` }), 200);
    assert.equal(await req(secrets, {}, { cert: readFileSync(cluster.clientCertFile, "utf8"), key: readFileSync(cluster.clientKeyFile, "utf8") }), 200);
    assert.equal(await req(secrets, { authorization: "Bearer not-a-token" }), 401);
    assert.equal(await req(secrets), 403); // anonymous: authenticated as system:anonymous, denied by RBAC
    await cluster.kubectlOk(["create", "serviceaccount", "nobody"]);
    const token = (await cluster.kubectlOk(["create", "token", "nobody"])).trim();
    assert.equal(await req(secrets, { authorization: `Bearer ${token}` }), 403);
  });

  it("creates a ReplicaSet for a Deployment and garbage-collects it when the Deployment is deleted", async () => {
    await cluster.kubectlOk(["create", "namespace", "gc"]);
    await cluster.kubectlOk(["-n", "gc", "create", "deployment", "web", "--image=registry.invalid/web:1", "--replicas=2"]);
    const dep = await getJson(["-n", "gc", "get", "deployment", "web"]);
    const rs = await waitUntil("a ReplicaSet owned by the Deployment", async () => {
      const list = await getJson(["-n", "gc", "get", "replicasets"]);
      return list.items.find((r: any) => r.metadata.ownerReferences?.some((o: any) => o.uid === dep.metadata.uid));
    });
    assert.equal(rs.spec.replicas, 2);
    await cluster.kubectlOk(["-n", "gc", "delete", "deployment", "web", "--wait=false"]);
    await waitUntil("the ReplicaSet to be garbage-collected", async () => {
      const list = await getJson(["-n", "gc", "get", "replicasets"]);
      return list.items.length === 0;
    });
  });

  it("completes a namespace deletion", async () => {
    await cluster.kubectlOk(["create", "namespace", "doomed"]);
    await cluster.kubectlOk(["-n", "doomed", "create", "configmap", "c1", "--from-literal=a=b"]);
    await cluster.kubectlOk(["delete", "namespace", "doomed", "--wait=false"]);
    await waitUntil("namespace doomed to disappear", async () => {
      const r = await cluster.kubectl(["get", "namespace", "doomed"]);
      return r.code !== 0 && /NotFound/.test(r.stderr);
    });
  });

  it("serves a CustomResourceDefinition and validates its objects against the schema", async () => {
    await cluster.apply({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.e2e.portico.dev" },
      spec: {
        group: "e2e.portico.dev",
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"] },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: { type: "object", required: ["size"], properties: { size: { type: "integer", minimum: 1 } } } },
              },
            },
          },
        ],
      },
    });
    await cluster.kubectlOk(["wait", "--for=condition=Established", "crd/widgets.e2e.portico.dev", "--timeout=30s"]);
    const widget = (size: number) => ({
      apiVersion: "e2e.portico.dev/v1",
      kind: "Widget",
      metadata: { name: `w${size}`, namespace: "default" },
      spec: { size },
    });
    await waitUntil("the Widget kind to be usable", () => cluster.apply(widget(3)).then(() => true));
    const got = await getJson(["get", "wd", "w3"]);
    assert.equal(got.spec.size, 3);
    await assert.rejects(cluster.apply(widget(0)), /spec\.size.*(greater than or equal to 1|should be)/);
  });

  it("calls a URL validating webhook on 127.0.0.1 and passes its denial message to kubectl", async () => {
    const cert = await servingCertificate(join(tmp, "webhook"), { ips: ["127.0.0.1"] });
    const seen: string[] = [];
    const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const review = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const name: string = review.request.name ?? review.request.object?.metadata?.name;
        seen.push(name);
        const allowed = !name.startsWith("deny-");
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            apiVersion: "admission.k8s.io/v1",
            kind: "AdmissionReview",
            response: { uid: review.request.uid, allowed, status: allowed ? undefined : { code: 403, message: `portico-test refuses ${name}` } },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      await cluster.kubectlOk(["create", "namespace", "hooked"]);
      await cluster.apply({
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingWebhookConfiguration",
        metadata: { name: "portico-smoke" },
        webhooks: [
          {
            name: "smoke.e2e.portico.dev",
            clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: Buffer.from(cert.caPem).toString("base64") },
            rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] }],
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "hooked" } },
            admissionReviewVersions: ["v1"],
            sideEffects: "None",
            failurePolicy: "Fail",
            timeoutSeconds: 5,
          },
        ],
      });
      // The webhook configuration takes effect asynchronously.
      const denied = await waitUntil("the webhook to deny", async () => {
        const r = await cluster.kubectl(["-n", "hooked", "create", "configmap", `deny-${seen.length}`]);
        return r.code !== 0 ? r : undefined;
      });
      assert.match(denied.stderr, /portico-test refuses deny-\d+/);
      await cluster.kubectlOk(["-n", "hooked", "create", "configmap", "allow-me"]);
      assert.ok(seen.includes("allow-me"), `webhook saw ${seen.join(",")}`);
    } finally {
      await cluster.kubectl(["delete", "validatingwebhookconfiguration", "portico-smoke", "--ignore-not-found"]);
      server.close();
    }
  });

  it("installs and uninstalls a tiny Helm chart", async () => {
    const chart = join(tmp, "tiny");
    mkdirSync(join(chart, "templates"), { recursive: true });
    const minor = kubernetesVersion().split(".")[1];
    writeFileSync(join(chart, "Chart.yaml"), `apiVersion: v2\nname: tiny\nversion: 0.1.0\nkubeVersion: ">=1.${minor}.0-0"\n`);
    writeFileSync(join(chart, "values.yaml"), "greeting: hi\n");
    writeFileSync(
      join(chart, "templates/configmap.yaml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    );
    const install = await cluster.helm(["install", "tiny1", chart, "-n", "helmtest", "--create-namespace", "--set", "greeting=hello"]);
    assert.equal(install.code, 0, install.stderr);
    const cm = await getJson(["-n", "helmtest", "get", "configmap", "tiny1-greeting"]);
    assert.equal(cm.data.greeting, "hello");
    const list = await cluster.helm(["list", "-n", "helmtest", "-o", "json"]);
    assert.deepEqual(
      JSON.parse(list.stdout).map((r: any) => [r.name, r.status]),
      [["tiny1", "deployed"]],
    );
    const uninstall = await cluster.helm(["uninstall", "tiny1", "-n", "helmtest", "--wait"]);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    const gone = await cluster.kubectl(["-n", "helmtest", "get", "configmap", "tiny1-greeting"]);
    assert.match(gone.stderr, /NotFound/);
  });
});
