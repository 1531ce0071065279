import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { renderKubeconfig } from "../../src/local/cluster/kubeconfig.js";

describe("renderKubeconfig", () => {
  it("embeds the CA and the client credentials and selects the context", () => {
    const k = parse(
      renderKubeconfig({ cluster: "c1", server: "https://127.0.0.1:1234", caPem: "CA", user: "u", clientCertPem: "CERT", clientKeyPem: "KEY", token: "T" }),
    );
    assert.equal(k["current-context"], "u@c1");
    assert.deepEqual(k.contexts[0].context, { cluster: "c1", user: "u", namespace: "default" });
    assert.equal(k.clusters[0].cluster.server, "https://127.0.0.1:1234");
    assert.equal(Buffer.from(k.clusters[0].cluster["certificate-authority-data"], "base64").toString(), "CA");
    assert.equal(Buffer.from(k.users[0].user["client-certificate-data"], "base64").toString(), "CERT");
    assert.equal(Buffer.from(k.users[0].user["client-key-data"], "base64").toString(), "KEY");
    assert.equal(k.users[0].user.token, "T");
  });
});
