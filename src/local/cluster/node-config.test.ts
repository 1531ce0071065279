import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { apiserverArgs, controllerManagerArgs } from "./components.js";
import { cniConfig, containerdConfig, kubeletConfig, kubeProxyConfig, NODE, nodePaths } from "./node-config.js";

const p = nodePaths("/c");

test("containerd: the settings this machine needs (restrict_oom_score_adj, runc path, CNI dirs, sandbox image)", () => {
  const t = containerdConfig(p, { runc: "/usr/sbin/runc", cniBinDir: "/usr/lib/cni" });
  assert.match(t, /^version = 3$/m);
  assert.match(t, /^\[plugins\.'io\.containerd\.cri\.v1\.runtime'\]\n {2}restrict_oom_score_adj = true$/m);
  assert.match(t, /^ {2}BinaryName = "\/usr\/sbin\/runc"$/m);
  assert.match(t, /^ {2}SystemdCgroup = false$/m);
  assert.match(t, /^ {2}bin_dirs = \["\/usr\/lib\/cni"\]$/m);
  assert.match(t, /^ {2}conf_dir = "\/c\/node\/cni"$/m);
  assert.match(t, new RegExp(`^ {2}sandbox = "${NODE.sandboxImage}"$`, "m"));
  assert.match(t, /^root = "\/c\/node\/containerd"$/m);
});

test("kubelet: cgroup v1 allowed, cgroupfs, no host-wide iptables chains, webhook auth, node address", () => {
  const k = parse(kubeletConfig(p, { caFile: "/c/pki/ca.crt" }));
  assert.equal(k.failCgroupV1, false);
  assert.equal(k.cgroupDriver, "cgroupfs");
  assert.equal(k.makeIPTablesUtilChains, false);
  assert.equal(k.failSwapOn, false);
  assert.equal(k.authentication.anonymous.enabled, false);
  assert.equal(k.authentication.webhook.enabled, true);
  assert.equal(k.authorization.mode, "Webhook");
  assert.equal(k.address, NODE.ip);
  assert.equal(k.containerRuntimeEndpoint, `unix://${NODE.containerdSocket}`);
});

test("kube-proxy: nftables, conntrack sysctls untouched, NodePorts on the node address only", () => {
  const k = parse(kubeProxyConfig(p));
  assert.equal(k.mode, "nftables");
  assert.deepEqual(k.conntrack, { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" });
  assert.deepEqual(k.nodePortAddresses, [`${NODE.ip}/32`]);
  assert.equal(k.clusterCIDR, NODE.podCidr);
});

test("CNI: the node bridge, no global forwarding (isGateway false), default route via the node", () => {
  const c = JSON.parse(cniConfig(p));
  const bridge = c.plugins[0];
  assert.equal(bridge.bridge, NODE.bridge);
  assert.equal(bridge.isGateway, false);
  assert.equal(bridge.ipam.ranges[0][0].subnet, NODE.podCidr);
  assert.deepEqual(bridge.ipam.routes, [{ dst: "0.0.0.0/0", gw: NODE.ip }]);
});

test("node cluster: API server on the node address with the endpoint reconciler; every controller on", () => {
  const layout = {
    name: "n",
    dir: "/c",
    dataDir: "/d",
    ports: { etcdClient: 1, etcdPeer: 2, apiserver: 3, controllerManager: 4 },
    serviceClusterIpRange: NODE.serviceCidr,
    node: { ip: NODE.ip, podCidr: NODE.podCidr },
  };
  const a = apiserverArgs(layout);
  assert.ok(a.includes(`--bind-address=${NODE.ip}`) && a.includes(`--advertise-address=${NODE.ip}`));
  assert.ok(!a.some((x) => x.startsWith("--endpoint-reconciler-type")));
  assert.ok(a.includes(`--service-cluster-ip-range=${NODE.serviceCidr}`));
  const cm = controllerManagerArgs(layout);
  assert.ok(cm.includes("--controllers=*"));
  assert.ok(cm.includes("--allocate-node-cidrs=true"));
  // The fake-pod mode keeps the endpoint controllers off (its tests write their own slices).
  const fake = controllerManagerArgs({ ...layout, node: undefined });
  assert.ok(fake.some((x) => x.includes("-endpointslice-controller")));
  assert.ok(apiserverArgs({ ...layout, node: undefined }).includes("--endpoint-reconciler-type=none"));
});
