import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiserverArgs, controllerManagerArgs, etcdArgs, type ComponentLayout } from "../../src/local/cluster/components.js";

const layout: ComponentLayout = {
  name: "c1",
  dir: "/x/c1",
  dataDir: "/dev/shm/portico-c1-1",
  ports: { etcdClient: 1001, etcdPeer: 1002, apiserver: 1003, controllerManager: 1004 },
  serviceClusterIpRange: "10.96.0.0/16",
};
const flags = (args: string[]) => new Map(args.map((a) => a.replace(/^--/, "").split(/=(.*)/s).slice(0, 2) as [string, string]));

describe("component command lines", () => {
  it("keeps every listener on 127.0.0.1 and etcd data on tmpfs", () => {
    const e = flags(etcdArgs(layout));
    assert.equal(e.get("listen-client-urls"), "http://127.0.0.1:1001");
    assert.equal(e.get("listen-peer-urls"), "http://127.0.0.1:1002");
    assert.equal(e.get("data-dir"), "/dev/shm/portico-c1-1/etcd");
    const a = flags(apiserverArgs(layout));
    assert.equal(a.get("bind-address"), "127.0.0.1");
    assert.equal(a.get("secure-port"), "1003");
    assert.equal(a.get("etcd-servers"), "http://127.0.0.1:1001");
    const c = flags(controllerManagerArgs(layout));
    assert.equal(c.get("bind-address"), "127.0.0.1");
    assert.equal(c.get("secure-port"), "1004");
  });

  it("leaves Endpoints and EndpointSlices to the tests", () => {
    const controllers = flags(controllerManagerArgs(layout)).get("controllers")!.split(",");
    assert.deepEqual(controllers, ["*", "-endpoints-controller", "-endpointslice-controller", "-endpointslice-mirroring-controller"]);
  });

  it("authorizes with RBAC and signs service-account tokens with the cluster's key", () => {
    const a = flags(apiserverArgs(layout));
    assert.match(a.get("authorization-mode")!, /RBAC/);
    assert.equal(a.get("service-account-signing-key-file"), "/x/c1/pki/sa.key");
    assert.equal(flags(controllerManagerArgs(layout)).get("service-account-private-key-file"), "/x/c1/pki/sa.key");
  });
});
