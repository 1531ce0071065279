// apiVersion + kind -> REST path. A small table of the kinds Portico touches; others follow the
// usual lower-case plural rule.

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
}

const PLURALS: Record<string, string> = {
  ServiceAccount: "serviceaccounts",
  Role: "roles",
  RoleBinding: "rolebindings",
  ClusterRole: "clusterroles",
  ClusterRoleBinding: "clusterrolebindings",
  Deployment: "deployments",
  Service: "services",
  ConfigMap: "configmaps",
  Secret: "secrets",
  PodDisruptionBudget: "poddisruptionbudgets",
  IngressClass: "ingressclasses",
  Ingress: "ingresses",
  IngressController: "ingresscontrollers",
  Event: "events",
  EndpointSlice: "endpointslices",
};

const CLUSTER_SCOPED = new Set(["IngressClass", "ClusterRole", "ClusterRoleBinding", "Namespace", "CustomResourceDefinition"]);

export function pluralOf(kind: string): string {
  return PLURALS[kind] ?? `${kind.toLowerCase()}s`;
}

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** /api/v1/namespaces/ns/configmaps/name[/sub] or /apis/group/version/... */
export function resourcePath(ref: ObjectRef, subresource?: string): string {
  const base = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = !isClusterScoped(ref.kind) && ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : "";
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : "";
  return `${base}${ns}/${pluralOf(ref.kind)}${name}${subresource ? `/${subresource}` : ""}`;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name ?? ""}`;
}
