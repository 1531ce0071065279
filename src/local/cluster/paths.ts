// Where the local control plane keeps its files. Everything lives under `.portico/` in the repo root
// (git-ignored) except etcd's data, which goes to tmpfs so a cluster costs no disk syncs.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const porticoDir = join(repoRoot, ".portico");
export const binDir = join(porticoDir, "bin");
export const clustersDir = join(porticoDir, "clusters");
export const echoServerScript = join(repoRoot, "src/local/cluster/echo-server.mjs");
export const reaperScript = join(repoRoot, "src/local/cluster/reaper.mjs");
export const buildScript = join(repoRoot, "src/local/controlplane/build.sh");

/** The cluster started by `npm run cluster:up` without `--name`. */
export const DEFAULT_CLUSTER = "default";

export function clusterDir(name: string): string {
  return join(clustersDir, name);
}

/** The default cluster's kubeconfig is the well-known `.portico/kubeconfig`; others stay in their dir. */
export function kubeconfigPath(name: string, dir = clusterDir(name)): string {
  return name === DEFAULT_CLUSTER ? join(porticoDir, "kubeconfig") : join(dir, "kubeconfig");
}

/** tmpfs when the machine has one (Linux: /dev/shm), else the cluster dir. */
export function dataRoot(fallback: string): string {
  return existsSync("/dev/shm") ? "/dev/shm" : fallback;
}

export const binaries = ["etcd", "kube-apiserver", "kube-controller-manager", "kubectl", "helm"] as const;
/** The local node's own binaries (`cluster:up -- --node`), built by the same setup. */
export const nodeBinaries = ["kube-scheduler", "kubelet", "kube-proxy", "containerd", "containerd-shim-runc-v2", "ctr"] as const;
export type Binary = (typeof binaries)[number] | (typeof nodeBinaries)[number];
export function bin(name: Binary): string {
  return join(binDir, name);
}
