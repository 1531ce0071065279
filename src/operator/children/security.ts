// Security contexts shared by every Portico pod: non-root, read-only root, no capabilities,
// RuntimeDefault seccomp.
import { POD } from "./types.js";

export function podSecurityContext() {
  return {
    runAsNonRoot: true,
    runAsUser: POD.user,
    runAsGroup: POD.user,
    fsGroup: POD.user,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(addCapabilities: string[] = []) {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"], ...(addCapabilities.length ? { add: addCapabilities } : {}) },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
