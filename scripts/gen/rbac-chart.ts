// templates/pepr/rbac.yaml from identities.ts: one ServiceAccount per identity, a ClusterRole for
// its cluster grants, a Role in pepr-system for Pepr's store, and a Role in each namespace where
// IngressControllers live (the release namespace and the value rbac.extraNamespaces). Pure.
//
// An RBAC rule with `resourceNames: []` would match every name, so a rule whose names come from a
// value is rendered only when that value is non-empty.

import { stringify } from "yaml";
import { IDENTITIES, PEPR_NAMESPACE, serviceAccountName, type Grant, type Identity, type Scope } from "./identities.js";

const RBAC_API = "rbac.authorization.k8s.io/v1";

function ruleYaml(g: Grant, indent: number): string {
  const pad = " ".repeat(indent);
  const rule: Record<string, unknown> = { apiGroups: g.apiGroups, resources: g.resources, verbs: g.verbs };
  if (Array.isArray(g.resourceNames)) rule.resourceNames = g.resourceNames;
  const body = stringify([rule], { lineWidth: 0 })
    .trimEnd()
    .split("\n")
    .map((l) => pad + l)
    .join("\n");
  const why = `${pad}# ${g.why}\n`;
  if (g.resourceNames === "ingressClasses") {
    return `${pad}{{- if .Values.rbac.ingressClasses }}\n${why}${body}\n${pad}  resourceNames:\n${pad}    {{- toYaml .Values.rbac.ingressClasses | nindent ${indent + 4} }}\n${pad}{{- end }}\n`;
  }
  return `${why}${body}\n`;
}

function rules(id: Identity, scope: Scope): string {
  return id.grants
    .filter((g) => g.scope === scope)
    .map((g) => ruleYaml(g, 2))
    .join("");
}

function role(kind: "ClusterRole" | "Role", name: string, namespace: string | undefined, body: string): string {
  const ns = namespace ? `\n  namespace: ${namespace}` : "";
  return `apiVersion: ${RBAC_API}\nkind: ${kind}\nmetadata:\n  name: ${name}${ns}\n  labels:\n    {{- include "portico.labels" $ | nindent 4 }}\nrules:\n${body}`;
}

function binding(kind: "ClusterRoleBinding" | "RoleBinding", name: string, namespace: string | undefined, sa: string): string {
  const ns = namespace ? `\n  namespace: ${namespace}` : "";
  const roleKind = kind === "ClusterRoleBinding" ? "ClusterRole" : "Role";
  return (
    `apiVersion: ${RBAC_API}\nkind: ${kind}\nmetadata:\n  name: ${name}${ns}\n  labels:\n    {{- include "portico.labels" $ | nindent 4 }}\n` +
    `roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ${roleKind}\n  name: ${name}\nsubjects:\n  - kind: ServiceAccount\n    name: ${sa}\n    namespace: ${PEPR_NAMESPACE}\n`
  );
}

function identityDocs(id: Identity): string[] {
  const sa = serviceAccountName(id.id);
  const docs = [
    `# ${id.runs}\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${sa}\n  namespace: ${PEPR_NAMESPACE}\n  labels:\n    {{- include "portico.labels" $ | nindent 4 }}\n`,
  ];
  if (id.grants.some((g) => g.scope === "cluster")) {
    docs.push(role("ClusterRole", sa, undefined, rules(id, "cluster")), binding("ClusterRoleBinding", sa, undefined, sa));
  }
  if (id.grants.some((g) => g.scope === "peprNamespace")) {
    docs.push(role("Role", sa, PEPR_NAMESPACE, rules(id, "peprNamespace")), binding("RoleBinding", sa, PEPR_NAMESPACE, sa));
  }
  if (id.grants.some((g) => g.scope === "controllerNamespaces")) {
    const ns = "{{ $ns }}";
    docs.push(
      `{{- range $ns := include "portico.controllerNamespaces" . | fromJsonArray }}\n` +
        role("Role", sa, ns, rules(id, "controllerNamespaces")) +
        "---\n" +
        binding("RoleBinding", sa, ns, sa) +
        "---\n{{- end }}\n",
    );
    return docs.map((d, i) => (i === docs.length - 1 ? d : `${d}---\n`));
  }
  return docs.map((d) => `${d}---\n`);
}

/** Namespaces where IngressControllers may live: the release namespace and rbac.extraNamespaces. */
const NAMESPACES_HELPER = `{{- define "portico.controllerNamespaces" -}}
{{- prepend (default list .Values.rbac.extraNamespaces) .Release.Namespace | uniq | toJson -}}
{{- end -}}
`;

/** The template text (without the GENERATED header chart.ts adds). Labels use \`$\` (the root
 * context), which is also right inside \`range\`. */
export function rbacTemplate(): string {
  const docs = IDENTITIES.flatMap(identityDocs);
  return NAMESPACES_HELPER + docs.join("");
}
