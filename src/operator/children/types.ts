// Shared input and output shapes of the child generators.
import type { Owner } from "../names.js";
import type { ResolvedIngressControllerSpec } from "../types.generated.js";

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
  /** nginx health server (listens on the pod address; nginx's control server stays on 127.0.0.1:10246). */
  nginxHealthPort: 10254,
  /** The agent's own /healthz and /metrics. */
  agentHealthPort: 10255,
  defaultBackendPort: 8080,
  runDir: "/var/run/portico",
  tokenDir: "/var/run/secrets/kubernetes.io/serviceaccount",
  user: 101,
} as const;
