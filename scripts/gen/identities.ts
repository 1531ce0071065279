// Who may do what: the one description of Portico's control-plane identities. The chart's RBAC
// (templates/pepr/rbac.yaml), the README's table and the e2e test (`kubectl auth can-i` on a real
// API server, e2e/privilege.test.ts) are all generated from or checked against this data.
//
// Pepr runs two Deployments: admission (webhooks) and watcher (Watch and Reconcile bindings). The
// IngressController reconciler is a Reconcile binding, so Pepr runs it in the watcher pod: the
// controller and the reconciler share the watcher's identity, and its grants are scoped instead
// (namespaced writes only where IngressControllers live, IngressClass writes by name only).

import { GROUP, PLURAL } from "../../src/api/schema.js";

/** Pepr names everything `pepr-<uuid>` (package.json pepr.uuid = "portico"). */
export const PEPR_NAME = "pepr-portico";
export const PEPR_NAMESPACE = "pepr-system";
/** Pepr's two stores (PeprStore objects in pepr-system): module state and schedules. */
export const PEPR_STORES = [`${PEPR_NAME}-store`, `${PEPR_NAME}-schedule`];

/**
 * Where a grant applies:
 * - cluster: a ClusterRole bound cluster-wide;
 * - controllerNamespaces: a Role in the release namespace and in each of the chart value
 *   `rbac.extraNamespaces` (where IngressControllers may live);
 * - peprNamespace: a Role in pepr-system.
 */
export type Scope = "cluster" | "controllerNamespaces" | "peprNamespace";

export interface Grant {
  scope: Scope;
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Fixed names, or "ingressClasses": the chart value `rbac.ingressClasses` (rule omitted when empty). */
  resourceNames?: string[] | "ingressClasses";
  why: string;
}

export interface Identity {
  /** Suffix after PEPR_NAME: the ServiceAccount is `pepr-portico-<id>` in pepr-system. */
  id: "admission" | "watcher";
  runs: string;
  grants: Grant[];
  /** What a tenant might hope this identity can do, and it cannot (tested denied). */
  denied: { verb: string; resource: string; namespace?: string; name?: string; why: string }[];
}

const READ = ["get", "list", "watch"];
const WRITE = ["create", "patch", "update", "delete"];

/** Pepr's store (both pods run Pepr's StoreController). create cannot be limited by name. */
const peprStore: Grant[] = [
  { scope: "peprNamespace", apiGroups: ["pepr.dev"], resources: ["peprstores"], verbs: ["create"], why: "Pepr creates its stores on first start" },
  {
    scope: "peprNamespace",
    apiGroups: ["pepr.dev"],
    resources: ["peprstores"],
    verbs: ["get", "list", "watch", "patch"],
    resourceNames: PEPR_STORES,
    why: "Pepr reads, watches and updates its own two stores",
  },
];

export const IDENTITIES: Identity[] = [
  {
    id: "admission",
    runs: "the admission Deployment: parses every AdmissionReview (untrusted input), answers from an in-memory index",
    grants: [
      {
        scope: "cluster",
        apiGroups: ["networking.k8s.io"],
        resources: ["ingresses", "ingressclasses"],
        verbs: ["list", "watch"],
        why: "the index of hosts and paths, and which classes are Portico's",
      },
      {
        scope: "cluster",
        apiGroups: [""],
        resources: ["secrets"],
        verbs: ["list", "watch"],
        why: "TLS Secrets an Ingress names (listed with fieldSelector type=kubernetes.io/tls; RBAC cannot narrow by type)",
      },
      { scope: "cluster", apiGroups: [GROUP], resources: [PLURAL], verbs: READ, why: "per-controller admission settings (e.g. host sharing)" },
      ...peprStore,
    ],
    denied: [
      { verb: "create", resource: "secrets", namespace: "default", why: "admission writes nothing" },
      { verb: "patch", resource: "ingresses", namespace: "default", why: "mutation is an admission response, not an API write" },
      { verb: "patch", resource: "ingresses/status", namespace: "default", why: "status belongs to the watcher" },
      { verb: "create", resource: "deployments.apps", namespace: "portico-system", why: "no data-plane writes" },
      { verb: "create", resource: "configmaps", namespace: "portico-system", why: "no desired-state writes" },
      { verb: "patch", resource: "customresourcedefinitions.apiextensions.k8s.io", name: "ingresscontrollers.portico.dev", why: "no CRD writes" },
      { verb: "create", resource: "customresourcedefinitions.apiextensions.k8s.io", why: "no CRD writes" },
      { verb: "delete", resource: "peprstores.pepr.dev", namespace: "pepr-system", name: `${PEPR_NAME}-store`, why: "the store is patched, never deleted" },
    ],
  },
  {
    id: "watcher",
    runs: "the watcher Deployment: the controller (watches, build, publish, Ingress status, Events) and the IngressController reconciler (Pepr runs Reconcile bindings in the watcher pod)",
    grants: [
      {
        scope: "cluster",
        apiGroups: ["networking.k8s.io"],
        resources: ["ingresses", "ingressclasses"],
        verbs: READ,
        why: "the store: every Ingress and IngressClass",
      },
      {
        scope: "cluster",
        apiGroups: [""],
        resources: ["services", "secrets", "configmaps", "serviceaccounts"],
        verbs: READ,
        why: "the store (Services, TLS Secrets, ConfigMaps IngressControllers name) and drift watches of children",
      },
      { scope: "cluster", apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ, why: "the store: endpoints of every backend" },
      { scope: "cluster", apiGroups: [GROUP], resources: [PLURAL], verbs: READ, why: "the IngressControllers to build and reconcile" },
      ...(
        [
          ["apps", ["deployments"]],
          ["policy", ["poddisruptionbudgets"]],
          ["rbac.authorization.k8s.io", ["roles", "rolebindings"]],
        ] as const
      ).map(
        ([group, resources]): Grant => ({
          scope: "cluster",
          apiGroups: [group],
          resources: [...resources],
          verbs: READ,
          why: "drift watches of the reconciler's children (label managed-by=portico)",
        }),
      ),
      {
        scope: "cluster",
        apiGroups: ["networking.k8s.io"],
        resources: ["ingresses/status"],
        verbs: ["get", "patch"],
        why: "status.loadBalancer of Ingresses of Portico's classes, in any namespace",
      },
      { scope: "cluster", apiGroups: [""], resources: ["events"], verbs: ["create", "patch"], why: "Events on the Ingress or controller at fault" },
      { scope: "cluster", apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"], why: "Events (events.k8s.io API)" },
      {
        scope: "cluster",
        apiGroups: ["networking.k8s.io"],
        resources: ["ingressclasses"],
        verbs: WRITE,
        resourceNames: "ingressClasses",
        why: "IngressClasses an IngressController creates (spec.ingressClass.create), by name only",
      },
      {
        scope: "controllerNamespaces",
        apiGroups: [""],
        resources: ["configmaps", "secrets", "services", "serviceaccounts"],
        verbs: WRITE,
        why: "desired-state ConfigMaps and certificate Secret; the data plane's Service, ServiceAccount, settings",
      },
      {
        scope: "controllerNamespaces",
        apiGroups: ["apps"],
        resources: ["deployments"],
        verbs: WRITE,
        why: "the NGINX and default-backend Deployments",
      },
      { scope: "controllerNamespaces", apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: WRITE, why: "the NGINX PodDisruptionBudget" },
      {
        scope: "controllerNamespaces",
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["roles", "rolebindings"],
        verbs: WRITE,
        why: "the data plane's Role (read its own state objects by name) and RoleBinding",
      },
      {
        scope: "controllerNamespaces",
        apiGroups: [GROUP],
        resources: [PLURAL, `${PLURAL}/status`, `${PLURAL}/finalizers`],
        verbs: ["get", "patch", "update"],
        why: "finalizer and status of IngressControllers",
      },
      ...peprStore,
    ],
    denied: [
      { verb: "create", resource: "secrets", namespace: "default", why: "Secret writes only where IngressControllers live" },
      { verb: "delete", resource: "secrets", namespace: "kube-system", why: "Secret writes only where IngressControllers live" },
      { verb: "create", resource: "deployments.apps", namespace: "default", why: "Deployment writes only where IngressControllers live" },
      { verb: "create", resource: "roles.rbac.authorization.k8s.io", namespace: "default", why: "Role writes only where IngressControllers live" },
      {
        verb: "create",
        resource: "rolebindings.rbac.authorization.k8s.io",
        namespace: "kube-system",
        why: "RoleBinding writes only where IngressControllers live",
      },
      { verb: "create", resource: "serviceaccounts", namespace: "default", why: "ServiceAccount writes only where IngressControllers live" },
      { verb: "create", resource: "clusterroles.rbac.authorization.k8s.io", why: "no cluster-wide RBAC writes" },
      { verb: "create", resource: "clusterrolebindings.rbac.authorization.k8s.io", why: "no cluster-wide RBAC writes" },
      { verb: "patch", resource: "customresourcedefinitions.apiextensions.k8s.io", name: "ingresscontrollers.portico.dev", why: "no CRD writes" },
      {
        verb: "patch",
        resource: "customresourcedefinitions.apiextensions.k8s.io",
        name: "peprstores.pepr.dev",
        why: "no CRD writes (the chart installs Pepr's store CRD)",
      },
      { verb: "delete", resource: "ingressclasses.networking.k8s.io", name: "someone-elses", why: "IngressClass writes by name only" },
      { verb: "patch", resource: "ingresses", namespace: "default", why: "only status of Ingresses" },
      { verb: "patch", resource: "validatingwebhookconfigurations.admissionregistration.k8s.io", name: PEPR_NAME, why: "no webhook writes" },
    ],
  },
];

export const serviceAccountName = (id: Identity["id"]) => `${PEPR_NAME}-${id}`;
