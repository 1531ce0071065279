// The one source of the IngressController resource's shape. From it come: the CRD
// (crds/ingresscontroller.yaml, via crd.ts), the ajv validator (validate.ts), the defaults
// (defaults.ts, through the `default` keywords below) and the TypeScript types
// (types.generated.ts, via gen/types.ts). Every schema here must be both valid JSON Schema for ajv
// and a valid Kubernetes structural schema, so only the shared subset is used.

import { settingsSchema } from "../core/settings.js";
import { API_VERSION, GROUP, KIND, VERSION } from "../core/ownership.js";
import { PORTICO_IMAGES } from "./images.js";

export { API_VERSION, GROUP, KIND, VERSION };
export const PLURAL = "ingresscontrollers";
export const SINGULAR = "ingresscontroller";
export const SHORT_NAMES = ["ic"];
/** The condition types of status.conditions (the operator writes them). */
export const CONDITION_TYPES = ["Ready", "ConfigApplied", "Degraded"] as const;

/** Longest IngressController name: its children's names (<name>-default-backend) must stay
 * valid Service names (DNS-1035 labels, at most 63 characters). */
export const MAX_NAME_LENGTH = 47;

/** DNS-1123 subdomain pattern (what the API server enforces on names). */
const DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

const objectName = (description: string) => ({ type: "string", minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN, description });
const port = (description: string, dflt?: number) => ({
  type: "integer",
  minimum: 1,
  maximum: 65535,
  description,
  ...(dflt === undefined ? {} : { default: dflt }),
});
const stringMap = (description: string) => ({ type: "object", additionalProperties: { type: "string" }, description });

const pullPolicy = {
  type: "string",
  enum: ["Always", "IfNotPresent", "Never"],
  default: "IfNotPresent",
  description: "Image pull policy. Default IfNotPresent.",
} as const;

const image = (description: string, dflt: string) => ({
  type: "object",
  additionalProperties: false,
  description,
  default: {},
  properties: {
    image: { type: "string", minLength: 1, maxLength: 512, pattern: "^[^\\s]+$", default: dflt, description: `Image reference. Default ${dflt}.` },
    pullPolicy,
  },
});

const quantity = {
  "x-kubernetes-int-or-string": true,
  maxLength: 64,
  anyOf: [
    { type: "integer", minimum: 0 },
    { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$" },
  ],
  description: "A Kubernetes resource quantity (e.g. 100m, 128Mi).",
} as const;

const resources = {
  type: "object",
  additionalProperties: false,
  description: "Compute resources of the nginx container (the agent gets small fixed requests).",
  properties: {
    limits: { type: "object", maxProperties: 16, additionalProperties: quantity, description: "Resource limits." },
    requests: { type: "object", maxProperties: 16, additionalProperties: quantity, description: "Resource requests." },
  },
} as const;

const tolerations = {
  type: "array",
  maxItems: 64,
  description: "Pod tolerations of the data plane.",
  items: {
    type: "object",
    additionalProperties: false,
    properties: {
      key: { type: "string", maxLength: 316 },
      operator: { type: "string", enum: ["Exists", "Equal"] },
      value: { type: "string", maxLength: 63 },
      effect: { type: "string", enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"] },
      tolerationSeconds: { type: "integer" },
    },
  },
} as const;

export const HOST_OR_IP = "^(([0-9]{1,3}\\.){3}[0-9]{1,3}|[0-9a-fA-F:]+:[0-9a-fA-F:]*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$";

export const specSchema = {
  type: "object",
  additionalProperties: false,
  description: "Desired state of one NGINX data plane.",
  properties: {
    replicas: { type: "integer", minimum: 0, maximum: 1000, default: 2, description: "NGINX pods. Default 2 (a PodDisruptionBudget is created when > 1)." },
    images: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "Container images.",
      properties: {
        nginx: image("Data-plane image: nginx with Lua and stream modules plus the Portico agent.", PORTICO_IMAGES.nginx),
        defaultBackend: image("Default-backend image: answers 404 on / and 200 on /healthz.", PORTICO_IMAGES.defaultBackend),
      },
    },
    service: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "The Service in front of the NGINX pods.",
      properties: {
        type: { type: "string", enum: ["LoadBalancer", "NodePort", "ClusterIP"], default: "LoadBalancer", description: "Service type. Default LoadBalancer." },
        ports: {
          type: "object",
          additionalProperties: false,
          default: {},
          description: "Service ports.",
          properties: {
            http: port("HTTP service port. Default 80.", 80),
            https: port("HTTPS service port. Default 443.", 443),
            httpNodePort: { type: "integer", minimum: 30000, maximum: 32767, description: "Fixed node port for HTTP (NodePort/LoadBalancer)." },
            httpsNodePort: { type: "integer", minimum: 30000, maximum: 32767, description: "Fixed node port for HTTPS (NodePort/LoadBalancer)." },
          },
        },
        annotations: stringMap("Annotations of the Service (cloud load-balancer options)."),
        loadBalancerClass: { type: "string", minLength: 1, maxLength: 253, description: "spec.loadBalancerClass of a LoadBalancer Service." },
        externalTrafficPolicy: {
          type: "string",
          enum: ["Cluster", "Local"],
          description: "externalTrafficPolicy (NodePort/LoadBalancer). Local keeps client addresses.",
        },
      },
    },
    ingressClass: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "The IngressClass this controller serves.",
      properties: {
        name: { type: "string", minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN, default: "portico", description: "IngressClass name. Default portico." },
        create: { type: "boolean", default: true, description: "Create (and own) the IngressClass. Default true." },
        isDefault: { type: "boolean", default: false, description: "Mark the IngressClass as the cluster default. Default false." },
      },
    },
    settings: settingsSchema,
    tcpServicesConfigMap: objectName("Name of the tcp-services ConfigMap (port -> namespace/service:port). Default <name>-tcp-services."),
    udpServicesConfigMap: objectName("Name of the udp-services ConfigMap. Default <name>-udp-services."),
    defaultTLSSecret: objectName("kubernetes.io/tls Secret (in this namespace) served when no Ingress certificate matches."),
    defaultBackend: {
      type: "object",
      additionalProperties: false,
      default: {},
      description: "The default backend: requests no Ingress matches (404 page, /healthz).",
      properties: {
        enabled: { type: "boolean", default: true, description: "Run the default-backend Deployment and Service. Default true." },
        replicas: { type: "integer", minimum: 0, maximum: 100, default: 1, description: "Default-backend pods. Default 1." },
      },
    },
    resources,
    nodeSelector: stringMap("Node selector of the data-plane pods."),
    tolerations,
    affinity: {
      type: "object",
      "x-kubernetes-preserve-unknown-fields": true,
      description: "Pod affinity (Kubernetes Affinity). When unset, pods prefer distinct nodes.",
    },
    hostSharing: {
      type: "object",
      additionalProperties: false,
      description:
        "Which namespaces may add rules and TLS entries to hosts another namespace owns (a host belongs to the namespace of its oldest Ingress; the same for hostless rules and the catch-all default backend). Default: none.",
      properties: {
        namespaces: {
          type: "array",
          maxItems: 1000,
          items: { type: "string", maxLength: 63, pattern: "^(\\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$" },
          description: 'Namespace names, or "*" for all (ingress-nginx\'s behaviour: any namespace may add paths to any host).',
        },
      },
    },
    crossNamespaceCASecrets: {
      type: "boolean",
      default: true,
      description:
        "Whether auth-tls-secret may name a Secret of another namespace (<namespace>/<name>), of which only the CA data is read (ca.crt, ca.crl; never keys). Credentials (auth-secret, proxy-ssl-secret) always come from the Ingress's own namespace. Default true (a CA bundle is public certificate data; ingress-nginx 1.12+ refuses every cross-namespace reference unless allow-cross-namespace-resources). false refuses it too: nginx sends the CA's subject names to every client, so a tenant could otherwise publish the subject of any CA Secret of the cluster, and learn which exist.",
    },
    publishAddress: {
      type: "string",
      maxLength: 253,
      pattern: HOST_OR_IP,
      description: "Address written to Ingress status instead of the Service's load-balancer address.",
    },
    listen: {
      type: "object",
      additionalProperties: false,
      description:
        "Where nginx listens when run as a local process (local mode; no defaults here, local mode picks them). Pods ignore it: they always use 8080/8443.",
      properties: {
        address: {
          type: "string",
          maxLength: 64,
          anyOf: [{ format: "ipv4" }, { format: "ipv6" }],
          description: "Listen address: an IPv4 or IPv6 address, not a name (local mode default 127.0.0.1).",
        },
        httpPort: port("HTTP port (local mode default 80 as root, else 8080)."),
        httpsPort: port("HTTPS port (local mode default 443 as root, else 8443)."),
        controlPort: port("127.0.0.1 port of nginx's control server (default 10246)."),
        defaultBackendPort: port("127.0.0.1 port of nginx's internal default backend (default 8181)."),
        probePort: port("Port of nginx's probe server (/healthz), on the listen address; no Ingress can reach it (default 10256)."),
        httpsInternalPort: port("127.0.0.1 port of the HTTPS listener when ssl-passthrough puts the SNI router in front of it (default 10443)."),
        passthroughInternalPort: port("127.0.0.1 port of the stream server that passes TLS through to ssl-passthrough backends (default 10444)."),
      },
    },
  },
} as const;

const condition = {
  type: "object",
  additionalProperties: false,
  required: ["type", "status", "lastTransitionTime", "reason", "message"],
  properties: {
    type: { type: "string", maxLength: 316 },
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    observedGeneration: { type: "integer", minimum: 0 },
    lastTransitionTime: { type: "string", format: "date-time" },
    reason: { type: "string", maxLength: 1024, pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$" },
    message: { type: "string", maxLength: 32768 },
  },
} as const;

export const statusSchema = {
  type: "object",
  additionalProperties: false,
  description: "Observed state, written by the reconciler (conditions, replicas) and the agent (applied config).",
  properties: {
    observedGeneration: { type: "integer", minimum: 0, description: "metadata.generation the reconciler last acted on." },
    conditions: {
      type: "array",
      description: `${CONDITION_TYPES.join(", ")}.`,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
      items: condition,
    },
    replicas: { type: "integer", minimum: 0, description: "Desired NGINX pods." },
    readyReplicas: { type: "integer", minimum: 0, description: "Ready NGINX pods (Deployment status)." },
    publishedAddress: { type: "string", description: "Address published on Ingress status." },
    appliedConfigHash: { type: "string", description: "sha256 of the nginx.conf the data plane runs (agent)." },
    desiredConfigHash: { type: "string", description: "sha256 of the nginx.conf last published (controller)." },
    reloads: { type: "integer", minimum: 0, description: "nginx reloads by the agent." },
    lastError: { type: "string", description: "Last error reported by the agent (empty when healthy)." },
    refusedConfig: {
      type: "object",
      additionalProperties: false,
      required: ["hash", "line", "message"],
      description:
        "The config nginx -t refused and the line it named (agent); the controller traces the line to the Ingress it came from and drops that Ingress.",
      properties: {
        hash: { type: "string", description: "sha256 of the refused nginx.conf." },
        line: { type: "integer", minimum: 1, description: "Line of nginx.conf the error names." },
        message: { type: "string", maxLength: 4096, description: "nginx's message." },
      },
    },
    droppedIngresses: {
      type: "array",
      maxItems: 100,
      description: "Ingresses left out of the desired state, with why (controller; the reconciler sets Degraded while any is listed). At most 100.",
      items: { type: "string", maxLength: 1024 },
    },
  },
} as const;

/** The whole object as the CRD's openAPIV3Schema sees it. */
export const ingressControllerSchema = {
  type: "object",
  required: ["spec"],
  description: "IngressController describes one Portico NGINX data plane and the IngressClass it serves.",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: {
      type: "object",
      properties: {
        // Children are named <name>-default-backend etc. and Service names are DNS-1035 labels.
        name: { type: "string", maxLength: MAX_NAME_LENGTH, pattern: "^[a-z]([-a-z0-9]*[a-z0-9])?$" },
      },
    },
    spec: specSchema,
    status: statusSchema,
  },
} as const;

export const printerColumns = [
  { name: "Class", type: "string", jsonPath: ".spec.ingressClass.name" },
  { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
  { name: "Available", type: "integer", jsonPath: ".status.readyReplicas", description: "Ready NGINX pods" },
  { name: "Address", type: "string", jsonPath: ".status.publishedAddress" },
  { name: "Config", type: "string", jsonPath: ".status.appliedConfigHash", description: "sha256 of the applied nginx.conf" },
  { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];
