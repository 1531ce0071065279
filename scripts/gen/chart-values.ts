// Portico's own part of helm/portico/values.yaml and its schema. The IngressController spec in the
// values is validated by the same schema as the CRD (specSchema), so a bad value fails `helm
// install` before anything is created.

import { PORTICO_IMAGES } from "../../src/api/images.js";
import { specSchema } from "../../src/api/schema.js";

/** The watcher's controller metrics port in the chart (the runtime serves none unless told). */
export const DEFAULT_CONTROLLER_METRICS_PORT = 10254;

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

# The controller's Prometheus metrics (rebuilds and their duration, publishes, Ingress status
# writes, Events, store objects by kind; README "Metrics"), served by the watcher pod at /metrics
# on this port (ingress-nginx's metrics port, so existing scrape configs find it). The pod carries
# prometheus.io/scrape, /port and /path annotations; the Service pepr-portico-watcher-metrics
# (pepr-system) fronts it, and serviceMonitor adds a Prometheus operator ServiceMonitor.
controllerMetrics:
  enabled: true
  port: ${DEFAULT_CONTROLLER_METRICS_PORT}
  serviceMonitor:
    enabled: false
    interval: 30s
    labels: {}

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
  controllerMetrics: {
    type: "object",
    additionalProperties: false,
    properties: {
      enabled: { type: "boolean" },
      port: { type: "integer", minimum: 1024, maximum: 65535 },
      serviceMonitor: {
        type: "object",
        additionalProperties: false,
        properties: {
          enabled: { type: "boolean" },
          interval: { type: "string", pattern: "^([0-9]+(ms|s|m|h))+$" },
          labels: { type: "object", additionalProperties: { type: "string" } },
        },
      },
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
