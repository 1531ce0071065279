// Portico's own part of helm/portico/values.yaml and its schema. The IngressController spec in the
// values is validated by the same schema as the CRD (specSchema), so a bad value fails `helm
// install` before anything is created.

import { PORTICO_IMAGES } from "../../src/api/images.js";
import { specSchema } from "../../src/api/schema.js";

export const PORTICO_VALUES_YAML = `# --- Portico ---------------------------------------------------------------------------------
# The default IngressController (one NGINX data plane) in the release namespace.
ingressController:
  enabled: true
  name: portico
  # Any IngressController spec field (see crds/ingresscontroller.yaml or \`kubectl explain ic.spec\`).
  # spec.ingressClass is set from ingressClass below.
  spec:
    replicas: 2
    images:
      nginx:
        image: ${PORTICO_IMAGES.nginx}
        pullPolicy: IfNotPresent
      defaultBackend:
        image: ${PORTICO_IMAGES.defaultBackend}
        pullPolicy: IfNotPresent
    service:
      type: LoadBalancer
    defaultBackend:
      enabled: true
    settings: {}

# The IngressClass the default IngressController serves (created by the chart, not the operator,
# so it exists as soon as the chart is installed and goes away with it).
ingressClass:
  enabled: true
  name: portico
  isDefault: false

# The admission webhook's serving certificate. By default the chart generates a CA (kept in the
# Secret <uuid>-webhook-ca and reused) and issues a new serving certificate on every install and
# upgrade. With cert-manager, a self-signed Certificate is requested instead and cert-manager's CA
# injector fills the webhooks' caBundle.
webhook:
  certValidityDays: 365
  certManager:
    enabled: false
  # The webhook for TLS Secrets (it sees no other Secret). Ignore: while Portico is down, TLS
  # Secret writes go through unchecked (the build verifies every certificate again and reports a
  # bad one as an Event on the Ingress); Fail would block every TLS Secret write in the cluster
  # (cert-manager renewals included) during an outage. Ingresses and IngressControllers always Fail.
  tlsSecretFailurePolicy: Ignore

# Least privilege (README "Who may do what"). The watcher (controller and reconciler) may write
# only in the release namespace and in these namespaces: an IngressController anywhere else cannot
# be reconciled (its writes are refused by the API server).
rbac:
  extraNamespaces: []
  # IngressClasses that IngressControllers create themselves (spec.ingressClass.create: true): the
  # watcher may write IngressClasses of these names only. The chart's own class is Helm's.
  ingressClasses: []

# --- Pepr module (generated from \`pepr build\`; admission and watcher Deployments, RBAC) ----------
`;

const DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

export const porticoValuesProperties = {
  ingressController: {
    type: "object",
    additionalProperties: false,
    properties: {
      enabled: { type: "boolean" },
      name: { type: "string", pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength: 47 },
      spec: specSchema,
    },
  },
  ingressClass: {
    type: "object",
    additionalProperties: false,
    properties: {
      enabled: { type: "boolean" },
      name: { type: "string", pattern: DNS_SUBDOMAIN, maxLength: 253 },
      isDefault: { type: "boolean" },
    },
  },
  webhook: {
    type: "object",
    additionalProperties: false,
    properties: {
      certValidityDays: { type: "integer", minimum: 1, maximum: 3650 },
      certManager: { type: "object", additionalProperties: false, properties: { enabled: { type: "boolean" } } },
      tlsSecretFailurePolicy: { type: "string", enum: ["Ignore", "Fail"] },
    },
  },
  rbac: {
    type: "object",
    additionalProperties: false,
    properties: {
      extraNamespaces: { type: "array", uniqueItems: true, items: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 } },
      ingressClasses: { type: "array", uniqueItems: true, items: { type: "string", pattern: DNS_SUBDOMAIN, maxLength: 253 } },
    },
  },
} as const;
