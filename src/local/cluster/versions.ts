// The versions the control plane is built at, read from the Go module (the single source of truth).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.js";

function goModVersion(module: string): string {
  const gomod = readFileSync(join(repoRoot, "src/local/controlplane/go.mod"), "utf8");
  const m = gomod.match(new RegExp(`^\\s*${module.replace(/[./]/g, "\\$&")}\\s+(v\\S+)`, "m"));
  if (!m) throw new Error(`src/local/controlplane/go.mod does not require ${module}`);
  return m[1];
}

/** e.g. "v1.37.2" */
export function kubernetesVersion(): string {
  return goModVersion("k8s.io/kubernetes");
}

/** e.g. "v3.22.0" */
export function helmVersion(): string {
  return goModVersion("helm.sh/helm/v3");
}
