// Turns the Helm chart `pepr build` writes into the Pepr part of helm/portico. Pure (text in,
// text out). What changes, and why:
// - tls-secret.yaml and api-path-secret.yaml are dropped: they hold a webhook CA, a private key and
//   a random API path generated at build time. The chart generates them at install time instead
//   (templates/webhook-secrets.yaml, helpers in templates/_webhook.tpl), so no key is committed.
// - webhook configurations get their caBundle and API path from those helpers (or cert-manager's
//   CA injector), plus an objectSelector that skips Helm's own release Secrets and objects labelled
//   `portico.dev/admission: skip` (the chart's own IngressController: it is created in the same
//   install as the webhook, before any admission pod can be ready; the CRD schema still validates it).
// - the pepr-system Namespace is rendered only when it does not exist yet or this release made it:
//   another Pepr module (or the local mode) may have created it, and Helm refuses to adopt an object
//   it does not own. A namespace this release made goes with `helm uninstall`; a foreign one stays.
// - buildTimestamp annotations (different on every build) become checksums: a new module or a
//   renewed certificate rolls the pods, an unchanged build renders byte-identical manifests.
// Each rewrite asserts that it matched, so a change in Pepr's output fails the build loudly.

export interface PeprChart {
  /** templates/<file> -> text */
  templates: Map<string, string>;
  valuesYaml: string;
  valuesSchema: Record<string, unknown>;
}

export const DROPPED_TEMPLATES = ["tls-secret.yaml", "api-path-secret.yaml"];

function replaceOnce(text: string, re: RegExp, by: string, what: string): string {
  const matches = text.match(new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g"));
  if (!matches || matches.length !== 1) throw new Error(`pepr chart: expected exactly one ${what}, found ${matches?.length ?? 0}`);
  return text.replace(re, by);
}

const OBJECT_SELECTOR = `    objectSelector:
      matchExpressions:
        - key: owner
          operator: NotIn
          values:
            - helm
        - key: portico.dev/admission
          operator: NotIn
          values:
            - skip
`;

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
  t = replaceOnce(t, /^ {4}rules:\n/m, `${OBJECT_SELECTOR}    rules:\n`, "webhook rules");
  return t;
}

export function transformDeployment(text: string, kind: "admission" | "watcher"): string {
  const checksums =
    kind === "admission"
      ? `checksum/module: {{ .Values.hash | quote }}\n        checksum/webhook-tls: {{ include "portico.webhook.checksum" . | quote }}`
      : `checksum/module: {{ .Values.hash | quote }}`;
  return replaceOnce(text, /buildTimestamp: "\d+"/, checksums, `${kind} buildTimestamp`);
}

/** values.yaml of Pepr without the build-time API path. */
export function transformValues(text: string): string {
  return replaceOnce(text, /^secrets:\n {2}apiPath: '[A-Za-z0-9+/=]+'\n/m, "", "secrets.apiPath");
}

export function transformSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const s = structuredClone(schema) as { definitions: { Values: { properties: Record<string, unknown>; required: string[] } } };
  const v = s.definitions?.Values;
  if (!v?.properties?.secrets) throw new Error("pepr chart: values schema has no secrets property");
  delete v.properties.secrets;
  v.required = v.required.filter((r) => r !== "secrets");
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
    else if (file === "watcher-deployment.yaml") t = transformDeployment(t, "watcher");
    else if (file === "namespace.yaml") t = transformNamespace(t);
    if (/-----BEGIN|caBundle: >-|buildTimestamp/.test(t)) throw new Error(`pepr chart: ${file} still holds build-time secrets or timestamps`);
    out.set(file, t.endsWith("\n") ? t : t + "\n");
  }
  return out;
}
