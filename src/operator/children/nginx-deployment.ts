// The NGINX Deployment: nginx and the agent in one pod, sharing an emptyDir (the agent writes
// configs there, nginx runs them). Only the agent gets an API token (a projected volume mounted
// into the agent container alone); nginx, which parses untrusted traffic, has none.

import { DEFAULT_RENDER_OPTIONS } from "../../core/build.js";
import { childMeta, childNames, LABELS, MANAGED_BY, podSelector } from "../../api/names.js";
import { containerSecurityContext, podSecurityContext } from "./security.js";
import { POD, type ChildContext, type Manifest } from "./types.js";

/** Seconds nginx gets to finish in-flight requests after SIGQUIT. */
export const TERMINATION_GRACE_SECONDS = 120;
/** Delay before shutdown so endpoints are removed from load balancers first. */
export const PRESTOP_SLEEP_SECONDS = 5;
/** The agent bundle in the image (images/README.md). */
export const AGENT_BUNDLE = "/opt/portico/agent.mjs";
/** Default port of nginx's Lua control server (core's DEFAULT_RENDER_OPTIONS.controlPort). */
export const DEFAULT_CONTROL_PORT = 10246;
/** Default port of nginx's probe server: core's render default. */
export const DEFAULT_PROBE_PORT = DEFAULT_RENDER_OPTIONS.probePort;

export function defaultAffinity(selector: Record<string, string>) {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } } },
      ],
    },
  };
}

export function nginxDeployment({ owner, spec }: ChildContext): Manifest {
  const names = childNames(owner.name);
  const selector = podSelector(owner, "nginx");
  const image = spec.images.nginx;
  const runMount = { name: "run", mountPath: POD.runDir };
  // The agent writes the configs; nginx reads them and cannot change them (a read-only mount: the
  // agent's `nginx -t` and nginx's reload see the same bytes).
  const confMount = { name: "conf", mountPath: POD.confDir };
  // Both containers must agree on these: the agent writes <conf>/current/nginx.conf and
  // writes "reload" into the FIFO; portico-nginx-run starts nginx from that file and reads the FIFO.
  const env = [
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    { name: "PORTICO_PREFIX", value: POD.nginxPrefix },
    { name: "PORTICO_CONF_DIR", value: POD.confDir },
    { name: "PORTICO_RELOAD_FIFO", value: POD.reloadFifo },
  ];
  // The controller renders spec.listen.controlPort into nginx.conf (src/controller/controller.ts).
  const controlPort = spec.listen?.controlPort ?? DEFAULT_CONTROL_PORT;
  // nginx answers /healthz on a server of its own (spec.listen.probePort): no Ingress rule can
  // reach or shadow it, so no tenant can make the replicas unready.
  const probePort = spec.listen?.probePort ?? DEFAULT_PROBE_PORT;
  const nginxProbe = { httpGet: { path: "/healthz", port: "probe" }, timeoutSeconds: 2 };
  // Agent ready = nginx answers its control server (/healthz); agent alive = the agent itself
  // answers (/livez), so an nginx container in trouble does not get the agent restarted too.
  const agentReady = { httpGet: { path: "/healthz", port: "metrics" }, timeoutSeconds: 2 };
  const agentLive = { httpGet: { path: "/livez", port: "metrics" }, timeoutSeconds: 2 };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: childMeta(owner, names.nginx, "nginx"),
    spec: {
      replicas: spec.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        // No generation label here: a spec change must not restart pods unless the pod itself changes.
        metadata: { labels: { ...selector, [LABELS.managedBy]: MANAGED_BY } },
        spec: {
          serviceAccountName: names.serviceAccount,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: podSecurityContext(),
          nodeSelector: { "kubernetes.io/os": "linux", ...(spec.nodeSelector ?? {}) },
          ...(spec.tolerations?.length ? { tolerations: spec.tolerations } : {}),
          affinity: spec.affinity ?? defaultAffinity(selector),
          containers: [
            {
              name: "nginx",
              image: image.image,
              imagePullPolicy: image.pullPolicy,
              // Starts nginx once the agent has written a tested config into the shared prefix,
              // reloads when the agent writes to the FIFO, and on SIGTERM quits gracefully
              // (images/nginx/portico-nginx-run). No API token in this container.
              command: ["/usr/local/bin/portico-nginx-run"],
              env,
              ports: [
                { name: "http", containerPort: POD.httpPort, protocol: "TCP" },
                { name: "https", containerPort: POD.httpsPort, protocol: "TCP" },
                { name: "probe", containerPort: probePort, protocol: "TCP" },
              ],
              readinessProbe: { ...nginxProbe, periodSeconds: 5, failureThreshold: 3 },
              livenessProbe: { ...nginxProbe, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 5 },
              startupProbe: { ...nginxProbe, periodSeconds: 2, failureThreshold: 60 },
              lifecycle: { preStop: { exec: { command: ["/bin/sleep", String(PRESTOP_SLEEP_SECONDS)] } } },
              ...(spec.resources ? { resources: spec.resources } : { resources: { requests: { cpu: "100m", memory: "90Mi" } } }),
              // NET_BIND_SERVICE only matters when the image listens below 1024; pods use 8080/8443.
              securityContext: containerSecurityContext(["NET_BIND_SERVICE"], POD.user),
              // Logs go to this container's stdout/stderr; temp files and the pid to nginx-tmp.
              volumeMounts: [runMount, { ...confMount, readOnly: true }, { name: "nginx-tmp", mountPath: POD.nginxTempDir }],
            },
            {
              name: "agent",
              image: image.image,
              imagePullPolicy: image.pullPolicy,
              // External mode: nginx runs in the other container; the agent writes and tests
              // (`nginx -t`, same image) the config, asks for reloads through the FIFO and pushes
              // endpoints/certificates to the control server over the shared pod network.
              command: ["node", AGENT_BUNDLE],
              args: ["--source", `api:${owner.namespace}/${owner.name}`],
              env: [
                ...env,
                { name: "PORTICO_NGINX_MODE", value: "external" },
                { name: "PORTICO_CONTROL_PORT", value: String(controlPort) },
                { name: "PORTICO_METRICS_PORT", value: String(POD.agentMetricsPort) },
                { name: "PORTICO_NGINX_TEMP_DIR", value: POD.nginxTempDir },
              ],
              ports: [{ name: "metrics", containerPort: POD.agentMetricsPort, protocol: "TCP" }],
              readinessProbe: { ...agentReady, periodSeconds: 10 },
              livenessProbe: { ...agentLive, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 5 },
              resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } },
              securityContext: containerSecurityContext([], POD.agentUser),
              volumeMounts: [
                runMount,
                confMount,
                // The agent's own: its `nginx -t` prefix (lua, logs, temp files) lives here, out of nginx's reach.
                { name: "agent-tmp", mountPath: "/tmp" },
                { name: "agent-token", mountPath: POD.tokenDir, readOnly: true },
              ],
            },
          ],
          volumes: [
            // The agent's files for nginx (Lua modules, default certificate) and the reload FIFO.
            { name: "run", emptyDir: { sizeLimit: "256Mi" } },
            { name: "conf", emptyDir: { sizeLimit: "128Mi" } },
            // nginx's temp paths (request bodies, proxy buffers) and the agent's, kept apart.
            { name: "nginx-tmp", emptyDir: { sizeLimit: "1Gi" } },
            { name: "agent-tmp", emptyDir: { sizeLimit: "64Mi" } },
            {
              name: "agent-token",
              projected: {
                defaultMode: 0o440,
                sources: [
                  { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
                  { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                  { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
                ],
              },
            },
          ],
        },
      },
    },
  };
}
