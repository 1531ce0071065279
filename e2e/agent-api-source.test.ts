// The agent's ApiSource against a real API server, with least privilege: a ServiceAccount whose
// Role grants get/list/watch only on the desired-state object names. Objects are written the way the
// controller writes them (shards first, index last) from encodeDesiredState().
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ApiSource } from "../src/agent/api-source.js";
import { desiredStateFromParts } from "../src/agent/state-hash.js";
import type { DesiredState } from "../src/core/contract.js";
import { encodeDesiredState, stateObjectNames } from "../src/core/state-objects.js";
import { startCluster, type Cluster } from "../src/local/cluster/index.js";

const NS = "agent-src";
const CTRL = "edge";
let cluster: Cluster;
const tmp = mkdtempSync(join(tmpdir(), "portico-apisrc-"));
let kubeconfig: string;

async function publish(state: DesiredState) {
  const enc = encodeDesiredState(state, { namespace: NS, name: CTRL });
  await cluster.apply([...enc.configShards, ...enc.endpointShards, ...enc.certificateShards]);
  await cluster.apply(enc.index);
}

before(async () => {
  cluster = await startCluster();
  await cluster.kubectlOk(["create", "namespace", NS]);
  const names = stateObjectNames(CTRL);
  await cluster.apply([
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "dp", namespace: NS } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "dp", namespace: NS },
      rules: [
        { apiGroups: [""], resources: ["configmaps"], resourceNames: [names.index, ...names.config, ...names.endpoints], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["secrets"], resourceNames: names.certificates, verbs: ["get", "list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "dp", namespace: NS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "dp" },
      subjects: [{ kind: "ServiceAccount", name: "dp", namespace: NS }],
    },
  ]);
  const token = (await cluster.kubectlOk(["-n", NS, "create", "token", "dp"])).trim();
  kubeconfig = join(tmp, "kubeconfig");
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: cluster.server, "certificate-authority-data": Buffer.from(cluster.caPem).toString("base64") } }],
      users: [{ name: "dp", user: { token } }],
      contexts: [{ name: "dp", context: { cluster: "c", user: "dp", namespace: NS } }],
      "current-context": "dp",
    }),
  );
});
after(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test("ApiSource delivers the published state and each change, with only by-name read access", async () => {
  const s1 = desiredStateFromParts(
    "events {}\n",
    { web: [{ address: "198.18.0.10", port: 8080 }] },
    { "a.test": "c1" },
    { c1: { certificate: "CERT", key: "KEY" } },
  );
  const src = new ApiSource(NS, CTRL, { kubeconfig, retryMs: { min: 100, max: 1000 } });
  assert.equal(await src.readOnce(), undefined, "nothing published yet");
  await publish(s1);
  assert.deepEqual(await src.readOnce(), s1);

  const got: DesiredState[] = [];
  const errors: string[] = [];
  await src.start(
    (s) => got.push(s),
    (e) => errors.push(e.message),
  );
  try {
    const waitFor = async (pred: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!pred()) {
        if (Date.now() > deadline) assert.fail(`${what}; errors: ${errors.join(" | ")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor(() => got.length === 1, "initial state");
    assert.deepEqual(got[0], s1);
    const s2 = desiredStateFromParts(s1.config, { web: [{ address: "198.18.0.11", port: 8080 }] }, s1.sniCertificates, s1.certificates);
    await publish(s2);
    await waitFor(() => got.length === 2, "endpoint change");
    assert.deepEqual(got[1], s2);
    assert.equal(got[1].hashes.config, s1.hashes.config);
    assert.deepEqual(errors, []);
    // The ServiceAccount cannot read anything else: a Secret of another name is forbidden.
    const denied = await cluster.kubectl(["--kubeconfig", kubeconfig, "-n", NS, "get", "secret", "other"]);
    assert.match(denied.stderr, /forbidden/i);
  } finally {
    await src.stop();
  }
});
