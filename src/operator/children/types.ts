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
  /** The agent asks the nginx container to reload by writing a line into this FIFO. */
  reloadFifo: "/var/run/portico/reload",
  tokenDir: "/var/run/secrets/kubernetes.io/serviceaccount",
  user: 101,
} as const;
