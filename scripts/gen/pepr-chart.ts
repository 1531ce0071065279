// Turns the Helm chart `pepr build` writes into the Pepr part of helm/portico. Pure (text in,
// text out). What changes, and why:
// - tls-secret.yaml and api-path-secret.yaml are dropped: they hold a webhook CA, a private key and
//   a random API path generated at build time. The chart generates them at install time instead
//   (templates/webhook-secrets.yaml, helpers in templates/_webhook.tpl), so no key is committed.
// - Pepr's RBAC (one ServiceAccount and ClusterRole shared by both pods, with cluster-wide writes)
//   is dropped for rbac.yaml (scripts/gen/rbac-chart.ts from identities.ts): one identity per pod.
// - webhook configurations get their caBundle and API path from those helpers (or cert-manager's
//   CA injector). No label selects what skips admission (a tenant can set any label): the only
//   bypass is a CEL matchCondition for the chart's own IngressController, created in the same
//   install as the webhook, before any admission pod can answer (the CRD schema validates it).
//   Secrets go to a webhook of their own that sees only kubernetes.io/tls Secrets
//   (matchConditions) with failurePolicy webhook.tlsSecretFailurePolicy (Ignore: the build checks
//   every certificate again, so an outage of Portico never blocks Secret writes).
// - the Deployments start the module without Pepr's controller.js, which server-side-applies
//   Pepr's store CRD at every start (and exits when refused): the chart installs that CRD
//   (crds/peprstores.yaml) and no identity may write CRDs. MODULE_BOOT keeps its hash check.
// - the pepr-system Namespace is rendered only when it does not exist yet or this release made it:
//   another Pepr module (or the local mode) may have created it, and Helm refuses to adopt an object
//   it does not own. A namespace this release made goes with `helm uninstall`; a foreign one stays.
// - buildTimestamp annotations (different on every build) become checksums: a new module or a
//   renewed certificate rolls the pods, an unchanged build renders byte-identical manifests.
// - the watcher serves the controller's Prometheus metrics (controllerMetrics in values.yaml):
//   PORTICO_CONTROLLER_METRICS_PORT, a container port named metrics and the prometheus.io/*
//   pod annotations; the Service and ServiceMonitor are templates/portico/controller-metrics.yaml.
// Each rewrite asserts that it matched, so a change in Pepr's output fails the build loudly.

import { parse, stringify } from "yaml";
import { serviceAccountName } from "./identities.js";

export interface PeprChart {
  /** templates/<file> -> text */
  templates: Map<string, string>;
  valuesYaml: string;
  valuesSchema: Record<string, unknown>;
}

export const DROPPED_TEMPLATES = [
  "tls-secret.yaml",
  "api-path-secret.yaml",
  "service-account.yaml",
  "cluster-role.yaml",
  "cluster-role-binding.yaml",
  "store-role.yaml",
  "store-role-binding.yaml",
];

function replaceOnce(text: string, re: RegExp, by: string, what: string): string {
  const matches = text.match(new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g"));
  if (!matches || matches.length !== 1) throw new Error(`pepr chart: expected exactly one ${what}, found ${matches?.length ?? 0}`);
  return text.replace(re, by);
}

/** The legacy class annotation: the only Ingresses the mutating webhook changes. */
const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
const TLS_SECRET_TYPE = "kubernetes.io/tls";

export interface WebhookEntry {
  name: string;
  failurePolicy: string;
  matchConditions: { name: string; expression: string }[];
  rules: { apiGroups: string[]; resources: string[]; [k: string]: unknown }[];
}

/** Which webhook entries Pepr's single entry becomes, by the resources its rules name. */
export function webhookEntries(kind: "mutate" | "validate", rules: WebhookEntry["rules"]): WebhookEntry[] {
  const isSecret = (r: WebhookEntry["rules"][number]) => r.resources.includes("secrets");
  const main = rules.filter((r) => !isSecret(r));
  const secrets = rules.filter(isSecret);
  const out: WebhookEntry[] = [];
  if (main.length) {
    out.push({
      name: "{{ .Values.uuid }}.pepr.dev",
      failurePolicy: "{{ .Values.admission.failurePolicy }}",
      matchConditions:
        kind === "mutate"
          ? [
              {
                name: "legacy-class-annotation",
                // The only mutation: spec.ingressClassName from this annotation. Nothing else is sent.
                expression: `request.resource.resource != 'ingresses' || (has(object.metadata.annotations) && '${LEGACY_CLASS_ANNOTATION}' in object.metadata.annotations)`,
              },
            ]
          : [
              {
                name: "not-the-charts-own-ingresscontroller",
                // Created by the same `helm install` as this webhook, before admission can answer.
                expression:
                  "!(request.resource.group == 'portico.dev' && request.resource.resource == 'ingresscontrollers' && " +
                  "request.namespace == '{{ .Release.Namespace }}' && request.name == '{{ .Values.ingressController.name }}')",
              },
            ],
      rules: main,
    });
  }
  if (secrets.length) {
    out.push({
      name: "{{ .Values.uuid }}-tls-secrets.pepr.dev",
      failurePolicy: "{{ .Values.webhook.tlsSecretFailurePolicy }}",
      // Secret's type is immutable and defaulted before admission: object.type is the type.
      matchConditions: [{ name: "tls-secrets-only", expression: `object.type == '${TLS_SECRET_TYPE}'` }],
      rules: secrets,
    });
  }
  return out;
}

const ENTRY_NAME = /^ {4}name: \{\{ \.Values\.uuid \}\}\.pepr\.dev\n/m;
const ENTRY_POLICY = /^ {4}failurePolicy: \{\{ \.Values\.admission\.failurePolicy \}\}\n/m;
const ENTRY_RULES = /^ {4}rules:\n((?: {6}.*\n)+)/m;

function indent(text: string, n: number): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => " ".repeat(n) + l)
    .join("\n");
}

/** Pepr's one webhook entry, rewritten into the entries webhookEntries() lists. */
function rewriteEntries(t: string, kind: "mutate" | "validate"): string {
  const at = t.indexOf("webhooks:\n  - ");
  if (at < 0 || t.indexOf("\n  - ", at + 12) >= 0) throw new Error(`pepr chart: expected exactly one ${kind} webhook entry`);
  const head = t.slice(0, at + "webhooks:\n".length);
  const entry = t.slice(head.length);
  const m = ENTRY_RULES.exec(entry);
  if (!m) throw new Error(`pepr chart: expected a rules block in the ${kind} webhook`);
  const rules = parse(m[1].replace(/^ {6}/gm, "")) as WebhookEntry["rules"];
  const entries = webhookEntries(kind, rules).map((e) => {
    let x = replaceOnce(entry, ENTRY_NAME, `    name: ${e.name}\n`, `${kind} webhook name`);
    x = replaceOnce(x, ENTRY_POLICY, `    failurePolicy: ${e.failurePolicy}\n`, `${kind} webhook failurePolicy`);
    const block = stringify({ matchConditions: e.matchConditions, rules: e.rules }, { lineWidth: 0 });
    return x.replace(ENTRY_RULES, () => indent(block, 4) + "\n");
  });
  return head + entries.join("");
}

export function transformWebhook(text: string, kind: "mutate" | "validate"): string {
  let t = replaceOnce(
    text,
    // Any line content: Pepr 1.1.4 replaces every "10" (the webhook timeout) in this file with a
    // template expression, which can land inside the base64 CA or the random path.
    /^ {6}caBundle: >-\n {8}[^\n]+\n/m,
    `      {{- if not .Values.webhook.certManager.enabled }}\n      caBundle: {{ include "portico.webhook.caBundle" . }}\n      {{- end }}\n`,
    "caBundle",
  );
  t = replaceOnce(t, new RegExp(`^( {10})/${kind}/[^\\n]+$`, "m"), `$1/${kind}/{{ include "portico.webhook.apiPath" . }}`, `${kind} path`);
  t = replaceOnce(
    t,
    /^metadata:\n {2}name: \{\{ \.Values\.uuid \}\}\n/m,
    `metadata:\n  name: {{ .Values.uuid }}\n  {{- if .Values.webhook.certManager.enabled }}\n  annotations:\n    cert-manager.io/inject-ca-from: pepr-system/{{ .Values.uuid }}-tls\n  {{- end }}\n`,
    "webhook metadata",
  );
  if (/objectSelector:/.test(t)) throw new Error("pepr chart: Pepr's webhook has an objectSelector; decide whether a tenant can set it");
  return rewriteEntries(t, kind);
}

/**
 * What the Deployments run instead of Pepr's controller.js: the same steps (gunzip the module
 * from the mounted Secret, check its sha256 against the hash argument, write it, fork it) without
 * the store-CRD apply. argv[1] = hash; argv[2] = the app directory (tests; default /app).
 */
export const MODULE_BOOT = [
  'const fs = require("fs"), zlib = require("zlib"), crypto = require("crypto"), { fork } = require("child_process");',
  "const hash = process.argv[1] || '', app = process.argv[2] || '/app';",
  "if (!/^[0-9a-f]{64}$/.test(hash)) { console.error('module hash must be 64 hex digits'); process.exit(1); }",
  "const code = zlib.gunzipSync(fs.readFileSync(app + '/load/module-' + hash + '.js.gz'));",
  "const actual = crypto.createHash('sha256').update(code).digest('hex');",
  "if (!crypto.timingSafeEqual(Buffer.from(hash, 'hex'), Buffer.from(actual, 'hex'))) { console.error('module hash mismatch: ' + actual); process.exit(1); }",
  "const js = app + '/module-' + hash + '.js';",
  "fs.writeFileSync(js, code);",
  "const child = fork(js);",
  "for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => child.kill(s));",
  "child.on('exit', (c, sig) => process.exit(c ?? (sig ? 1 : 0)));",
].join("\n");

const METRICS_ON = "{{- if .Values.controllerMetrics.enabled }}";
const METRICS_PORT = "{{ .Values.controllerMetrics.port }}";

/** The watcher Deployment with the controller's metrics port: env, container port, scrape annotations. */
export function addControllerMetrics(text: string): string {
  let t = replaceOnce(
    text,
    /^( {8})checksum\/module: (.*)\n/m,
    `$1checksum/module: $2\n$1${METRICS_ON}\n$1prometheus.io/scrape: "true"\n$1prometheus.io/port: "${METRICS_PORT}"\n$1prometheus.io/path: /metrics\n$1{{- end }}\n`,
    "watcher pod checksum annotation",
  );
  t = replaceOnce(
    t,
    /^( {10})ports:\n( {12})- containerPort: 3000\n/m,
    `$1ports:\n$2- containerPort: 3000\n$2${METRICS_ON}\n$2- name: metrics\n$2  containerPort: ${METRICS_PORT}\n$2  protocol: TCP\n$2{{- end }}\n`,
    "watcher container port 3000",
  );
  return replaceOnce(
    t,
    /^( {12})- name: PEPR_WATCH_MODE\n {14}value: "true"\n/m,
    `$1- name: PEPR_WATCH_MODE\n$1  value: "true"\n$1${METRICS_ON}\n$1- name: PORTICO_CONTROLLER_METRICS_PORT\n$1  value: "${METRICS_PORT}"\n$1{{- end }}\n`,
    "watcher PEPR_WATCH_MODE env",
  );
}

export function transformDeployment(text: string, kind: "admission" | "watcher"): string {
  const checksums =
    kind === "admission"
      ? `checksum/module: {{ .Values.hash | quote }}\n        checksum/webhook-tls: {{ include "portico.webhook.checksum" . | quote }}`
      : `checksum/module: {{ .Values.hash | quote }}`;
  let t = replaceOnce(text, /buildTimestamp: "\d+"/, checksums, `${kind} buildTimestamp`);
  t = replaceOnce(
    t,
    /^( {6})serviceAccountName: \{\{ \.Values\.uuid \}\}$/m,
    `$1serviceAccountName: ${serviceAccountName(kind)}`,
    `${kind} serviceAccountName`,
  );
  t = replaceOnce(
    t,
    /^( {10})args:\n {12}- \/app\/node_modules\/pepr\/dist\/controller\.js\n {12}- \{\{ \.Values\.hash \}\}\n/m,
    `$1# Pepr's controller.js without its store-CRD apply (scripts/gen/pepr-chart.ts MODULE_BOOT).\n$1args:\n$1  - -e\n$1  - ${JSON.stringify(MODULE_BOOT).replace(/\$/g, "$$$$")}\n$1  - {{ .Values.hash }}\n`,
    `${kind} args`,
  );
  return t;
}

/** values.yaml of Pepr without the build-time API path and Pepr's RBAC rules (rbac.yaml instead). */
export function transformValues(text: string): string {
  const t = replaceOnce(text, /^secrets:\n {2}apiPath: '[A-Za-z0-9+/=]+'\n/m, "", "secrets.apiPath");
  return replaceOnce(t, /^rbac:\n(?: {2}.*\n)*/m, "", "rbac rules");
}

export function transformSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const s = structuredClone(schema) as { definitions: { Values: { properties: Record<string, unknown>; required: string[] } } };
  const v = s.definitions?.Values;
  if (!v?.properties?.secrets) throw new Error("pepr chart: values schema has no secrets property");
  if (!v.properties.rbac) throw new Error("pepr chart: values schema has no rbac property");
  delete v.properties.secrets;
  // Pepr's rbac (a list of rules) gives way to Portico's (chart-values.ts).
  delete v.properties.rbac;
  v.required = v.required.filter((r) => r !== "secrets" && r !== "rbac");
  return s as unknown as Record<string, unknown>;
}

export function transformNamespace(text: string): string {
  replaceOnce(text, /^kind: Namespace\n/m, "kind: Namespace\n", "Namespace kind");
  const name = /^ {4}name: ([a-z0-9-]+)$/m.exec(text)?.[1];
  if (!name) throw new Error("pepr chart: namespace.yaml has no metadata.name");
  const guard =
    `{{- $existing := lookup "v1" "Namespace" "" "${name}" }}\n` +
    `{{- if or (not $existing) (eq (dig "metadata" "annotations" "meta.helm.sh/release-name" "" $existing) .Release.Name) }}\n`;
  return `${guard}${text.replace(/\n*$/, "\n")}{{- end }}\n`;
}

export function transformTemplates(templates: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, text] of [...templates].sort(([a], [b]) => a.localeCompare(b))) {
    if (DROPPED_TEMPLATES.includes(file)) continue;
    let t = text;
    if (file === "mutation-webhook.yaml") t = transformWebhook(t, "mutate");
    else if (file === "validation-webhook.yaml") t = transformWebhook(t, "validate");
    else if (file === "admission-deployment.yaml") t = transformDeployment(t, "admission");
    else if (file === "watcher-deployment.yaml") t = addControllerMetrics(transformDeployment(t, "watcher"));
    else if (file === "namespace.yaml") t = transformNamespace(t);
    if (/-----BEGIN|caBundle: >-|buildTimestamp/.test(t)) throw new Error(`pepr chart: ${file} still holds build-time secrets or timestamps`);
    out.set(file, t.endsWith("\n") ? t : t + "\n");
  }
  return out;
}
