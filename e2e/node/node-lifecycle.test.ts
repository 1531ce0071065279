// The local node (startCluster({ node: true })): pods run and get Ready, the real endpointslice
// controller fills a Service's slice, a second node cluster on the machine is refused in one line,
// stop() leaves nothing on the host, and a node whose kubelet cannot start names it and its log and
// leaves nothing running.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { nodeLeftovers } from "../../src/local/cluster/node-teardown.mjs";
import { NODE, startCluster, waitUntil, type Cluster } from "../../src/local/cluster/index.js";
import { nodeRecord } from "../../src/local/cluster/node-host.js";
import { isOurProcess } from "../../src/local/cluster/state.js";

let c: Cluster | undefined;
after(async () => {
  await c?.stop();
});

test("a node cluster runs pods; their Service's EndpointSlice comes from the real controller", async () => {
  c = await startCluster({ node: true });
  assert.equal(c.node?.ip, NODE.ip);
  assert.match(c.server, new RegExp(`^https://${NODE.ip.replace(/\./g, "\\.")}:`));
  await c.apply([
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "idle", namespace: "default" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "idle" } },
        template: {
          metadata: { labels: { app: "idle" } },
          spec: { containers: [{ name: "idle", image: NODE.sandboxImage, imagePullPolicy: "Never", ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "idle", namespace: "default" },
      spec: { selector: { app: "idle" }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ]);
  await c.kubectlOk(["rollout", "status", "deployment/idle", "--timeout=120s"], { timeoutMs: 130_000 });
  const ips = await waitUntil(
    "two ready endpoints in the idle Service's slice",
    async () => {
      const out = await c!.kubectlOk([
        "get",
        "endpointslices",
        "-l",
        "kubernetes.io/service-name=idle",
        "-o",
        "jsonpath={.items[*].endpoints[*].addresses[0]}",
      ]);
      const list = out.split(/\s+/).filter(Boolean);
      return list.length === 2 ? list : undefined;
    },
    { timeoutMs: 30_000 },
  );
  for (const ip of ips) assert.match(ip, /^198\.19\.0\.\d+$/, "pod addresses come from the node's pod range");
  const svc = await c.kubectlOk(["get", "service", "idle", "-o", "jsonpath={.spec.clusterIP}"]);
  assert.match(svc, /^198\.19\.(12[89]|13\d|14[0-3])\.\d+$/, "ClusterIP from the node's Service range");
});

test("a second node cluster on the machine is refused in one line", async () => {
  await assert.rejects(startCluster({ node: true }), (e: Error) => {
    assert.match(e.message, /^a node cluster is already running on this machine \(.+\); stop it with `npm run cluster:down`/);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  });
});

test("stop() removes the node's processes, shims, mounts, nft tables, bridge, cgroups and fixed paths", async () => {
  const record = c!.node!;
  const pids = c!.state.components.map((p) => ({ pid: p.pid, marker: p.marker }));
  await c!.stop();
  c = undefined;
  assert.deepEqual(nodeLeftovers(record), []);
  assert.deepEqual(
    pids.filter((p) => isOurProcess(p.pid, p.marker)),
    [],
  );
});

test("a node whose kubelet cannot start names kubelet and its log, and leaves nothing running", async () => {
  await assert.rejects(startCluster({ node: true, extraArgs: { kubelet: ["--no-such-flag"] } }), (e: Error) => {
    assert.match(e.message, /^kubelet exited with code \d+ while starting: .*\(log: \/.+\/kubelet\.log\)$/);
    return true;
  });
  assert.deepEqual(nodeLeftovers(nodeRecord("/nonexistent")), []);
});
