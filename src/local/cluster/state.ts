// The record of a running cluster (`<dir>/state.json`): what `cluster:down`, `cluster:status` and the
// reaper read to find its processes, ports, paths and network. Written atomically.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type ComponentName = "etcd" | "kube-apiserver" | "kube-controller-manager" | NodeComponentName;
/** The components of a node cluster (`startCluster({ node: true })`), started in this order. */
export type NodeComponentName = "kube-scheduler" | "containerd" | "kubelet" | "kube-proxy";

export interface ProcessRecord {
  name: string;
  pid: number;
  log: string;
  /** A string that must appear in /proc/<pid>/cmdline, so a recycled pid is never killed. */
  marker: string;
  /** The command line's arguments (components only), so restartComponent starts exactly the same process. */
  args?: string[];
}

export interface NetworkRecord {
  netns: string;
  hostInterface: string;
  podInterface: string;
  /** e.g. 198.18.3.0/24 */
  cidr: string;
  hostIp: string;
  slot: number;
}

/** A node cluster's host resources, for teardown (node-teardown.mjs). */
export interface NodeRecord {
  clusterDir: string;
  /** <cluster dir>/node: containerd's root, kubelet's root, configs. */
  dir: string;
  name: string;
  ip: string;
  bridge: string;
  podCidr: string;
  serviceCidr: string;
  cgroupRoot: string;
  fixedPaths: string[];
  lockFile: string;
  /** Leftover shims are the processes whose command line starts with this (our shim binary). */
  shimMarker: string;
}

export interface ClusterState {
  version: 1;
  name: string;
  dir: string;
  dataDir: string;
  /** Started by the CLI to outlive it (no reaper watching a parent). */
  detached: boolean;
  /** The whole dir (logs, pki) is removed on teardown: clusters with generated names. */
  ephemeral?: boolean;
  server: string;
  kubeconfig: string;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; controllerManager: number; scheduler?: number };
  components: ProcessRecord[];
  pods: (ProcessRecord & { ip: string })[];
  network?: NetworkRecord;
  node?: NodeRecord;
  reaperPid?: number;
  /** Pids the reaper watches; when any is gone it tears the cluster down. */
  ownerPids: number[];
  startedAt: string;
}

export function statePath(dir: string): string {
  return join(dir, "state.json");
}

export function readState(dir: string): ClusterState | undefined {
  const p = statePath(dir);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as ClusterState;
  } catch {
    return undefined;
  }
}

export function writeState(state: ClusterState): void {
  const p = statePath(state.dir);
  writeFileSync(`${p}.tmp`, JSON.stringify(state, null, 2) + "\n");
  renameSync(`${p}.tmp`, p);
}

/** True when `pid` is a live (non-zombie) process whose command line contains `marker`. */
export function isOurProcess(pid: number, marker: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when any of the state's component processes is still running. */
export function isRunning(state: ClusterState | undefined): boolean {
  return !!state && state.components.some((c) => isOurProcess(c.pid, c.marker));
}
