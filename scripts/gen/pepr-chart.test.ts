import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  addControllerMetrics,
  MODULE_BOOT,
  transformDeployment,
  transformNamespace,
  transformSchema,
  transformTemplates,
  transformValues,
  transformWebhook,
} from "./pepr-chart.js";

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
    matchPolicy: Equivalent
    name: {{ .Values.uuid }}.pepr.dev
    rules:
      - apiGroups:
          - networking.k8s.io
        resources:
          - ingresses
      - apiGroups:
          - ''
        resources:
          - secrets
      - apiGroups:
          - portico.dev
        resources:
          - ingresscontrollers
    sideEffects: None
`;

test("webhooks lose the build-time CA and path and gain the install-time helpers", () => {
  const t = transformWebhook(WEBHOOK, "validate");
  assert.ok(!t.includes("LS0tLS1"), "no build-time CA");
  assert.ok(!t.includes("ab".repeat(32)), "no build-time API path");
  assert.match(t, /caBundle: \{\{ include "portico\.webhook\.caBundle" \. \}\}/);
  assert.match(t, /\/validate\/\{\{ include "portico\.webhook\.apiPath" \. \}\}/);
  assert.match(t, /cert-manager\.io\/inject-ca-from: pepr-system\/\{\{ \.Values\.uuid \}\}-tls/);
});

test("no label skips admission; Secrets go to a webhook of their own that sees only TLS Secrets", () => {
  const t = transformWebhook(WEBHOOK, "validate");
  assert.doesNotMatch(t, /objectSelector|owner|admission: skip/);
  const doc = parse(t.replace(/^ *\{\{-[^}]*\}\}\n/gm, "").replace(/\{\{ [^}]*\}\}/g, "X")) as {
    webhooks: { name: string; failurePolicy: string; matchConditions: { expression: string }[]; rules: { resources: string[] }[] }[];
  };
  assert.deepEqual(
    doc.webhooks.map((w) => [w.name, w.rules.flatMap((r) => r.resources)]),
    [
      ["X.pepr.dev", ["ingresses", "ingresscontrollers"]],
      ["X-tls-secrets.pepr.dev", ["secrets"]],
    ],
  );
  assert.match(t, /name: \{\{ \.Values\.uuid \}\}-tls-secrets\.pepr\.dev/);
  assert.match(t, /failurePolicy: \{\{ \.Values\.webhook\.tlsSecretFailurePolicy \}\}/);
  assert.equal(doc.webhooks[1].matchConditions[0].expression, "object.type == 'kubernetes.io/tls'");
  // The only bypass: the chart's own IngressController, by namespace and name.
  assert.match(t, /request\.namespace == '\{\{ \.Release\.Namespace \}\}' && request\.name == '\{\{ \.Values\.ingressController\.name \}\}'/);
  const m = transformWebhook(WEBHOOK.replace(/ {6}- apiGroups:\n {10}- ''\n[\s\S]*?ingresscontrollers\n/, "").replace("/validate/", "/mutate/"), "mutate");
  assert.match(m, /'kubernetes\.io\/ingress\.class' in object\.metadata\.annotations/);
  assert.throws(() => transformWebhook(WEBHOOK.replace("    rules:", "    objectSelector: {}\n    rules:"), "validate"), /objectSelector/);
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

test("build timestamps become checksums; each pod gets its own identity and starts without Pepr's CRD apply", () => {
  const dep =
    'metadata:\n  annotations:\n    buildTimestamp: "1795639843379"\nspec:\n      serviceAccountName: {{ .Values.uuid }}\n      containers:\n' +
    "          args:\n            - /app/node_modules/pepr/dist/controller.js\n            - {{ .Values.hash }}\n";
  const w = transformDeployment(dep, "watcher");
  assert.match(w, /checksum\/module: \{\{ \.Values\.hash \| quote \}\}\n/);
  assert.match(w, /serviceAccountName: pepr-portico-watcher\n/);
  assert.doesNotMatch(w, /controller\.js\n/);
  assert.match(w, /args:\n {12}- -e\n {12}- ".*"\n {12}- \{\{ \.Values\.hash \}\}\n/);
  const a = transformDeployment(dep, "admission");
  assert.match(a, /checksum\/webhook-tls: \{\{ include "portico\.webhook\.checksum" \. \| quote \}\}/);
  assert.match(a, /serviceAccountName: pepr-portico-admission\n/);
  const out = transformTemplates(
    new Map([
      ["tls-secret.yaml", "x"],
      ["api-path-secret.yaml", "y"],
      ["cluster-role.yaml", "kind: ClusterRole"],
      ["service-account.yaml", "kind: ServiceAccount"],
      ["namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n    name: pepr-system\n"],
    ]),
  );
  assert.deepEqual([...out.keys()], ["namespace.yaml"]);
});

test("values and schema lose the build-time API path and Pepr's RBAC rules", () => {
  assert.equal(transformValues("rbac:\n  - apiGroups: ['']\nsecrets:\n  apiPath: 'Zm9v'\nhash: 'abc'\n"), "hash: 'abc'\n");
  const s = transformSchema({
    definitions: { Values: { properties: { secrets: {}, rbac: {}, hash: {} }, required: ["hash", "rbac", "secrets"] } },
  }) as never as {
    definitions: { Values: { properties: object; required: string[] } };
  };
  assert.deepEqual(Object.keys(s.definitions.Values.properties), ["hash"]);
  assert.deepEqual(s.definitions.Values.required, ["hash"]);
});

test("MODULE_BOOT runs a module whose sha256 matches, and refuses one that does not", () => {
  const app = mkdtempSync(join(tmpdir(), "portico-boot-"));
  try {
    mkdirSync(join(app, "load"));
    const code = Buffer.from("console.log('module ran ' + process.argv.length)\n");
    const hash = createHash("sha256").update(code).digest("hex");
    writeFileSync(join(app, "load", `module-${hash}.js.gz`), gzipSync(code));
    const ok = spawnSync(process.execPath, ["-e", MODULE_BOOT, hash, app], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /module ran/);
    const other = "0".repeat(64);
    writeFileSync(join(app, "load", `module-${other}.js.gz`), gzipSync(code));
    const bad = spawnSync(process.execPath, ["-e", MODULE_BOOT, other, app], { encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /module hash mismatch/);
    const junk = spawnSync(process.execPath, ["-e", MODULE_BOOT, "../../etc/passwd", app], { encoding: "utf8" });
    assert.equal(junk.status, 1);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});

test("the pepr-system Namespace is rendered only when absent or made by this release", () => {
  const t = transformNamespace("apiVersion: v1\nkind: Namespace\nmetadata:\n    name: pepr-system\n");
  assert.match(t, /^\{\{- \$existing := lookup "v1" "Namespace" "" "pepr-system" \}\}\n/);
  assert.match(t, /\{\{- if or \(not \$existing\) \(eq \(dig "metadata" "annotations" "meta\.helm\.sh\/release-name" "" \$existing\) \.Release\.Name\) \}\}/);
  assert.match(t, /kind: Namespace\n[\s\S]*\{\{- end \}\}\n$/);
  assert.throws(() => transformNamespace("kind: Namespace\nmetadata: {}\n"), /no metadata\.name/);
});

test("the watcher serves the controller's metrics: env, a named container port and scrape annotations, all behind controllerMetrics.enabled", () => {
  const dep =
    "      annotations: \n        checksum/module: {{ .Values.hash | quote }}\n" +
    "          ports:\n            - containerPort: 3000\n" +
    '          env:\n            - name: PEPR_WATCH_MODE\n              value: "true"\n';
  const w = addControllerMetrics(dep);
  assert.match(w, /checksum\/module: .*\n {8}\{\{- if \.Values\.controllerMetrics\.enabled \}\}\n {8}prometheus\.io\/scrape: "true"\n/);
  assert.match(w, /prometheus\.io\/port: "\{\{ \.Values\.controllerMetrics\.port \}\}"\n {8}prometheus\.io\/path: \/metrics\n/);
  assert.match(w, /- containerPort: 3000\n {12}\{\{- if .*\n {12}- name: metrics\n {14}containerPort: \{\{ \.Values\.controllerMetrics\.port \}\}\n/);
  assert.match(w, /- name: PORTICO_CONTROLLER_METRICS_PORT\n {14}value: "\{\{ \.Values\.controllerMetrics\.port \}\}"\n {12}\{\{- end \}\}\n/);
  assert.throws(() => addControllerMetrics(dep.replace("containerPort: 3000", "containerPort: 3001")), /expected exactly one watcher container port 3000/);
});
