// Shared input and output shapes of the child generators.
import type { Owner } from "../../api/names.js";
import type { ResolvedIngressControllerSpec } from "../../api/types.generated.js";

/** A Kubernetes object as sent to the API (plain JSON). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Record<string, unknown>[];
  };
  [field: string]: unknown;
}

export interface ChildContext {
  owner: Owner;
  spec: ResolvedIngressControllerSpec;
}

/** Ports and paths of the data-plane pod: fixed, because they describe the image, not user intent. */
export const POD = {
  httpPort: 8080,
  httpsPort: 8443,
  /** The agent's /metrics, /healthz (nginx up) and /status (its default port). */
  agentMetricsPort: 10254,
  defaultBackendPort: 8080,
  /** Shared emptyDir: the agent writes nginx's prefix here, the nginx container runs it. */
  runDir: "/var/run/portico",
  nginxPrefix: "/var/run/portico/nginx",
  /** The configs: a volume the agent writes and the nginx container mounts read-only. */
  confDir: "/var/run/portico/conf",
  /** nginx's temp files and pid: the nginx container's own bounded /tmp volume (the agent links
   * <prefix>/tmp there), so traffic never grows the shared run volume. */
  nginxTempDir: "/tmp",
  /** The agent asks the nginx container to reload by writing a line into this FIFO. */
  reloadFifo: "/var/run/portico/reload",
  tokenDir: "/var/run/secrets/kubernetes.io/serviceaccount",
  /** nginx runs as `nginx` (101), the agent as `portico-agent` (102); both in group 101, which
   * owns the shared volumes (fsGroup) so each reads what the other writes where it may. */
  user: 101,
  agentUser: 102,
  group: 101,
} as const;
