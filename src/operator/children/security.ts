// Security contexts shared by every Portico pod: non-root, read-only root, no capabilities,
// RuntimeDefault seccomp.
import { POD } from "./types.js";

export function podSecurityContext() {
  return {
    runAsNonRoot: true,
    runAsUser: POD.user,
    runAsGroup: POD.group,
    fsGroup: POD.group,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function containerSecurityContext(addCapabilities: string[] = [], user?: number) {
  return {
    ...(user !== undefined ? { runAsUser: user, runAsGroup: POD.group } : {}),
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"], ...(addCapabilities.length ? { add: addCapabilities } : {}) },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
