import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "./store.js";

const ing = (name: string, rv: string) => ({ metadata: { name, namespace: "default", resourceVersion: rv } });

test("an upsert of the same resourceVersion is a no-op (replayed watch events)", () => {
  const s = new Store();
  assert.ok(s.upsert("Ingress", ing("a", "1")));
  assert.equal(s.upsert("Ingress", ing("a", "1")), undefined);
  const change = s.upsert("Ingress", ing("a", "2"));
  assert.equal(change?.previous?.metadata.resourceVersion, "1");
  assert.equal(s.revision, 2);
});

test("remove of an unknown object is a no-op; of a known one returns the previous object", () => {
  const s = new Store();
  assert.equal(s.remove("Ingress", ing("a", "1")), undefined);
  s.upsert("Ingress", ing("a", "1"));
  assert.equal(s.remove("Ingress", ing("a", "1"))?.previous?.metadata.name, "a");
  assert.equal(s.count("Ingress"), 0);
});

test("only TLS secrets are kept; a secret that stops being TLS is dropped", () => {
  const s = new Store();
  assert.equal(s.upsert("Secret", { metadata: { name: "x", namespace: "n", resourceVersion: "1" }, type: "Opaque" }), undefined);
  s.upsert("Secret", { metadata: { name: "t", namespace: "n", resourceVersion: "1" }, type: "kubernetes.io/tls" });
  assert.equal(s.count("Secret"), 1);
  const change = s.upsert("Secret", { metadata: { name: "t", namespace: "n", resourceVersion: "2" }, type: "Opaque" });
  assert.equal(change?.current, undefined);
  assert.equal(s.count("Secret"), 0);
});

test("cluster-scoped objects are keyed by name alone", () => {
  const s = new Store();
  s.upsert("IngressClass", { metadata: { name: "portico", resourceVersion: "1" } });
  assert.equal(s.get("IngressClass", undefined, "portico")?.metadata.name, "portico");
});

test("managedFields and kubectl's last-applied copy are not kept", () => {
  const s = new Store();
  s.upsert("Ingress", {
    metadata: {
      name: "a",
      namespace: "n",
      resourceVersion: "1",
      managedFields: [{ manager: "kubectl" }],
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{...}", "nginx.ingress.kubernetes.io/ssl-redirect": "false" },
    },
  } as never);
  const stored = s.get("Ingress", "n", "a") as unknown as { metadata: Record<string, unknown> };
  assert.equal(stored.metadata.managedFields, undefined);
  assert.deepEqual(stored.metadata.annotations, { "nginx.ingress.kubernetes.io/ssl-redirect": "false" });
  assert.equal(stored.metadata.resourceVersion, "1");
});

test("a non-TLS Secret is kept only while an annotation names it (auth-secret)", () => {
  const s = new Store();
  const htpasswd = { metadata: { name: "users", namespace: "a", resourceVersion: "1" }, type: "Opaque", data: { auth: "eA==" } };
  assert.equal(s.upsert("Secret", htpasswd), undefined);
  assert.equal(s.wantSecrets(new Set(["a/users"])), true);
  assert.equal(s.wantSecrets(new Set(["a/users"])), false);
  assert.ok(s.upsert("Secret", htpasswd));
  assert.equal(s.count("Secret"), 1);
  assert.equal(s.wantSecrets(new Set()), true);
  assert.equal(s.count("Secret"), 0, "dropped once nobody names it");
});

test("another namespace's CA Secret is kept with its CA data only; wanted whole, it is dropped for its watch to list it again", () => {
  const s = new Store();
  const ca = () => ({
    metadata: { name: "client-ca", namespace: "ingress-nginx", resourceVersion: "1" },
    type: "Opaque",
    data: { "ca.crt": "Y2E=", "ca.crl": "Y3Js", "tls.key": "a2V5" },
  });
  assert.equal(s.wantSecrets(new Set(["ingress-nginx/client-ca"]), new Set()), true);
  assert.deepEqual(s.wantedSecrets, [{ key: "ingress-nginx/client-ca", caOnly: true }]);
  s.upsert("Secret", ca());
  assert.deepEqual((s.get("Secret", "ingress-nginx", "client-ca") as { data: Record<string, string> }).data, { "ca.crt": "Y2E=", "ca.crl": "Y3Js" });
  // An Ingress of ingress-nginx names it too (its own namespace: read whole).
  assert.equal(s.wantSecrets(new Set(["ingress-nginx/client-ca"]), new Set(["ingress-nginx/client-ca"])), true);
  assert.equal(s.count("Secret"), 0, "the CA-only copy is dropped");
  assert.deepEqual(s.wantedSecrets, [{ key: "ingress-nginx/client-ca", caOnly: false }]);
  s.upsert("Secret", ca());
  assert.deepEqual(Object.keys((s.get("Secret", "ingress-nginx", "client-ca") as { data: Record<string, string> }).data), ["ca.crt", "ca.crl", "tls.key"]);
});
