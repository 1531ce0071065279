import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fakeService } from "../../src/local/cluster/manifests.js";

describe("fakeService", () => {
  it("makes a selector-less Service and an EndpointSlice labelled for it", () => {
    const [svc, slice] = fakeService({
      name: "web",
      namespace: "shop",
      port: 80,
      targetPort: 8080,
      pods: [
        { name: "web-1", ip: "198.18.0.2" },
        { name: "web-2", ip: "198.18.0.3", ready: false },
      ],
    });
    assert.equal(svc.spec?.selector, undefined);
    assert.deepEqual(svc.spec?.ports, [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }]);
    assert.equal(slice.metadata.namespace, "shop");
    assert.equal(slice.metadata.labels?.["kubernetes.io/service-name"], "web");
    assert.deepEqual(slice.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
    assert.deepEqual(
      slice.endpoints?.map((e) => [e.addresses[0], e.conditions?.ready, e.conditions?.serving]),
      [
        ["198.18.0.2", true, true],
        ["198.18.0.3", false, false],
      ],
    );
  });
});
