// The agent's ApiSource against a real API server, with least privilege: a ServiceAccount whose
// Role grants get/list/watch only on the desired-state object names. Objects are written the way the
// controller writes them (shards first, index last) from encodeDesiredState(). What every source
// must do is the DesiredStateSource contract (src/testing/contracts/desired-state-source.ts); the
// one-shot read and the least privilege are this source's own.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ApiSource } from "../src/agent/api-source.js";
import { describeDesiredStateSource } from "../src/testing/contracts/desired-state-source.js";
import { desiredStateFromParts } from "../src/agent/state-hash.js";
import type { DesiredState } from "../src/core/contract.js";
import { encodeDesiredState, stateObjectNames } from "../src/core/state-objects.js";
import { startCluster, type Cluster } from "../src/local/cluster/index.js";

const NS = "agent-src";
const CTRL = "edge";
/** The controller whose state objects the contract suite writes. */
const CONTRACT_CTRL = "contract";
let cluster: Cluster;
const tmp = mkdtempSync(join(tmpdir(), "portico-apisrc-"));
let kubeconfig: string;

let writes = 0;
/** As the controller writes a state: shards first, the index last. The index carries a write count,
 * so writing the same state again is a change the watch sees. */
async function publish(state: DesiredState, controller = CTRL, parts: "all" | "index only" = "all") {
  const enc = encodeDesiredState(state, { namespace: NS, name: controller });
  if (parts === "all") await cluster.apply([...enc.configShards, ...enc.endpointShards, ...enc.certificateShards]);
  enc.index.metadata.annotations = { ...enc.index.metadata.annotations, "test.portico.dev/write": String(++writes) };
  await cluster.apply(enc.index);
}

before(async () => {
  cluster = await startCluster();
  await cluster.kubectlOk(["create", "namespace", NS]);
  const names = [stateObjectNames(CTRL), stateObjectNames(CONTRACT_CTRL)];
  const configMaps = names.flatMap((n) => [n.index, ...n.config, ...n.endpoints]);
  await cluster.apply([
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "dp", namespace: NS } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "dp", namespace: NS },
      rules: [
        { apiGroups: [""], resources: ["configmaps"], resourceNames: configMaps, verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["secrets"], resourceNames: names.flatMap((n) => n.certificates), verbs: ["get", "list", "watch"] },
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

test("ApiSource reads the published state once, with only by-name read access", async () => {
  const s1 = desiredStateFromParts(
    "events {}\n",
    { web: [{ address: "198.18.0.10", port: 8080 }] },
    { "a.test": "c1" },
    { c1: { certificate: "CERT", key: "KEY" } },
  );
  const src = new ApiSource(NS, CTRL, { kubeconfig });
  assert.equal(await src.readOnce(), undefined, "nothing published yet");
  await publish(s1);
  assert.deepEqual(await src.readOnce(), s1);
  // The ServiceAccount cannot read anything else: a Secret of another name is forbidden.
  const denied = await cluster.kubectl(["--kubeconfig", kubeconfig, "-n", NS, "get", "secret", "other"]);
  assert.match(denied.stderr, /forbidden/i);
});

describeDesiredStateSource("ApiSource (a real kube-apiserver)", async () => ({
  source: new ApiSource(NS, CONTRACT_CTRL, { kubeconfig, retryMs: { min: 100, max: 1000 } }),
  publish: async (s) => await publish(s, CONTRACT_CTRL),
  // The index of a state whose shards were never written: what a reader meets when the shards it
  // needs were overwritten by a later write, or lost.
  publishCorrupt: async (s) => await publish(s, CONTRACT_CTRL, "index only"),
  remove: async () => void (await cluster.kubectlOk(["-n", NS, "delete", "configmap", stateObjectNames(CONTRACT_CTRL).index])),
  removal: "silent", // the agent keeps serving; the controller publishes again
  cleanup: async () => undefined,
}));
