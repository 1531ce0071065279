// The default backend: a tiny HTTP server answering 404 on every path and 200 on /healthz.
import { LABELS, MANAGED_BY, childMeta, childNames, podSelector } from "../../api/names.js";
import { containerSecurityContext, podSecurityContext } from "./security.js";
import { POD, type ChildContext, type Manifest } from "./types.js";

export function defaultBackend({ owner, spec }: ChildContext): Manifest[] {
  if (!spec.defaultBackend.enabled) return [];
  const name = childNames(owner.name).defaultBackend;
  const selector = podSelector(owner, "default-backend");
  const probe = { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 2 };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: childMeta(owner, name, "default-backend"),
      spec: {
        replicas: spec.defaultBackend.replicas,
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...selector, [LABELS.managedBy]: MANAGED_BY } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 10,
            securityContext: podSecurityContext(),
            nodeSelector: { "kubernetes.io/os": "linux", ...(spec.nodeSelector ?? {}) },
            ...(spec.tolerations?.length ? { tolerations: spec.tolerations } : {}),
            containers: [
              {
                name: "default-backend",
                image: spec.images.defaultBackend.image,
                imagePullPolicy: spec.images.defaultBackend.pullPolicy,
                ports: [{ name: "http", containerPort: POD.defaultBackendPort, protocol: "TCP" }],
                readinessProbe: probe,
                livenessProbe: { ...probe, failureThreshold: 5 },
                resources: { requests: { cpu: "10m", memory: "20Mi" }, limits: { memory: "64Mi" } },
                securityContext: containerSecurityContext(),
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            // nginx's pid and temp files: the root filesystem is read-only.
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: childMeta(owner, name, "default-backend"),
      spec: {
        type: "ClusterIP",
        selector,
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
      },
    },
  ];
}
