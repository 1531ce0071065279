// auth-tls-secret naming another namespace's Secret: its CA data (ca.crt, ca.crl) is read and
// nothing else; an IngressController with crossNamespaceCASecrets: false answers 503 instead.
// Credentials (proxy-ssl-secret, auth-secret) of another namespace are never read.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { build } from "../build.js";
import { ingress, path, service, snapshot } from "../test-objects.js";
import type { Secret } from "../k8s-types.js";

const A = "nginx.ingress.kubernetes.io/";
const crt = readFileSync(new URL("../testdata/certs/foo.example.com.crt", import.meta.url), "utf8");
const b64 = (s: string) => Buffer.from(s).toString("base64");
const shared: Secret = {
  metadata: { name: "client-ca", namespace: "ingress-nginx" },
  type: "Opaque",
  data: { "ca.crt": b64(crt), "tls.key": b64("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") },
};
const ing = ingress("app", [{ host: "a.example.com", paths: [path("/", "Prefix", "svc")] }], {
  annotations: { [`${A}auth-tls-secret`]: "ingress-nginx/client-ca" },
});

test("another namespace's CA Secret: ca.crt becomes the host's client CA; no key is read", () => {
  const r = build(snapshot({ ingresses: [ing], services: [service("svc")], secrets: [shared] }));
  assert.deepEqual(r.diagnostics, []);
  const files = Object.entries(r.state.files ?? {});
  assert.deepEqual(
    files.map(([name]) => name.replace(/-[0-9a-f]{12}\./, "-<digest>.")),
    ["client-ca-ingress-nginx-client-ca-<digest>.crt"],
  );
  assert.ok(!files[0]![1].includes("PRIVATE KEY"));
  assert.match(r.state.config, /ssl_client_certificate .*client-ca-ingress-nginx-client-ca-/);
});

test("crossNamespaceCASecrets: false: the paths answer 503 (AccessDenied), naming the setting", () => {
  const r = build({ ...snapshot({ ingresses: [ing], services: [service("svc")], secrets: [shared] }), crossNamespaceCASecrets: false });
  assert.deepEqual(
    r.diagnostics.map((d) => [d.reason, d.severity]),
    [["AccessDenied", "Error"]],
  );
  assert.match(r.diagnostics[0]!.message, /reads CA Secrets of the Ingress's own namespace only \(spec\.crossNamespaceCASecrets: false\)/);
  assert.deepEqual(r.state.files ?? {}, {});
});

test("another namespace's proxy-ssl-secret (a client key) is still refused", () => {
  const backend = ingress("b", [{ host: "b.example.com", paths: [path("/", "Prefix", "svc")] }], {
    annotations: { [`${A}backend-protocol`]: "HTTPS", [`${A}proxy-ssl-secret`]: "ingress-nginx/client-ca" },
  });
  const r = build(snapshot({ ingresses: [backend], services: [service("svc")], secrets: [shared] }));
  assert.match(r.diagnostics.map((d) => d.message).join("\n"), /is in another namespace; an Ingress may only use Secrets of its own namespace/);
});
