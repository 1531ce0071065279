import { test } from "node:test";
import assert from "node:assert/strict";
import { transformDeployment, transformNamespace, transformSchema, transformTemplates, transformValues, transformWebhook } from "./pepr-chart.js";

// Shapes as `pepr build` 1.1.4 writes them (abridged).
const WEBHOOK = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: {{ .Values.uuid }}
webhooks:
  - admissionReviewVersions:
      - v1
    clientConfig:
      caBundle: >-
        LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tDQpNSUlD
      service:
        name: {{ .Values.uuid }}
        namespace: pepr-system
        path: >-
          /validate/${"ab".repeat(32)}
    failurePolicy: {{ .Values.admission.failurePolicy }}
    rules:
      - apiGroups: [portico.dev]
`;

test("webhooks lose the build-time CA and path and gain the install-time helpers", () => {
  const t = transformWebhook(WEBHOOK, "validate");
  assert.ok(!t.includes("LS0tLS1"), "no build-time CA");
  assert.ok(!t.includes("ab".repeat(32)), "no build-time API path");
  assert.match(t, /caBundle: \{\{ include "portico\.webhook\.caBundle" \. \}\}/);
  assert.match(t, /\/validate\/\{\{ include "portico\.webhook\.apiPath" \. \}\}/);
  assert.match(t, /cert-manager\.io\/inject-ca-from: pepr-system\/\{\{ \.Values\.uuid \}\}-tls/);
  assert.match(t, /objectSelector:\n\s+matchExpressions:\n\s+- key: owner\n\s+operator: NotIn/);
  assert.ok(t.indexOf("objectSelector") < t.indexOf("rules:"));
});

test("Pepr's global replacement of the timeout value inside the CA or path is tolerated", () => {
  const corrupted = WEBHOOK.replace("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tDQpNSUlD", "LS0t{{ .Values.admission.webhookTimeout }}S1CRU").replace(
    "ab".repeat(32),
    "ab".repeat(10) + "{{ .Values.admission.webhookTimeout }}" + "ab".repeat(21),
  );
  const t = transformWebhook(corrupted, "validate");
  assert.ok(!t.includes("LS0t") && !t.includes("abab"));
  assert.equal(t.match(/webhookTimeout/g), null);
});

test("a changed Pepr output fails loudly instead of leaking a key", () => {
  assert.throws(() => transformWebhook(WEBHOOK.replace("caBundle: >-", "caBundle: |"), "validate"), /expected exactly one caBundle/);
  assert.throws(() => transformTemplates(new Map([["other.yaml", "data:\n  tls.key: -----BEGIN RSA PRIVATE KEY-----\n"]])), /still holds build-time secrets/);
});

test("build timestamps become checksums; secrets templates are dropped", () => {
  const dep = 'metadata:\n  annotations:\n    buildTimestamp: "1795639843379"\n';
  assert.equal(transformDeployment(dep, "watcher"), "metadata:\n  annotations:\n    checksum/module: {{ .Values.hash | quote }}\n");
  assert.match(transformDeployment(dep, "admission"), /checksum\/webhook-tls: \{\{ include "portico\.webhook\.checksum" \. \| quote \}\}/);
  const out = transformTemplates(
    new Map([
      ["tls-secret.yaml", "x"],
      ["api-path-secret.yaml", "y"],
      ["namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n    name: pepr-system\n"],
    ]),
  );
  assert.deepEqual([...out.keys()], ["namespace.yaml"]);
});

test("values and schema lose the build-time API path", () => {
  assert.equal(transformValues("rbac: []\nsecrets:\n  apiPath: 'Zm9v'\nhash: 'abc'\n"), "rbac: []\nhash: 'abc'\n");
  const s = transformSchema({ definitions: { Values: { properties: { secrets: {}, hash: {} }, required: ["hash", "secrets"] } } }) as never as {
    definitions: { Values: { properties: object; required: string[] } };
  };
  assert.deepEqual(Object.keys(s.definitions.Values.properties), ["hash"]);
  assert.deepEqual(s.definitions.Values.required, ["hash"]);
});

test("the pepr-system Namespace is rendered only when absent or made by this release", () => {
  const t = transformNamespace("apiVersion: v1\nkind: Namespace\nmetadata:\n    name: pepr-system\n");
  assert.match(t, /^\{\{- \$existing := lookup "v1" "Namespace" "" "pepr-system" \}\}\n/);
  assert.match(t, /\{\{- if or \(not \$existing\) \(eq \(dig "metadata" "annotations" "meta\.helm\.sh\/release-name" "" \$existing\) \.Release\.Name\) \}\}/);
  assert.match(t, /kind: Namespace\n[\s\S]*\{\{- end \}\}\n$/);
  assert.throws(() => transformNamespace("kind: Namespace\nmetadata: {}\n"), /no metadata\.name/);
});
