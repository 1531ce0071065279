// Host side of the local node: the tools it needs, the machine-wide lock, the bridge, and the node's
// certificates and configuration files. kubelet and containerd use fixed host paths (/run/containerd,
// /var/lib/kubelet/device-plugins, /var/log/containers, /var/lib/cni), kube-proxy fixed nft table names
// and the cgroup root /kubepods, so two nodes on one host would collide: one node cluster per machine,
// behind /run/portico/node.lock. Teardown is node-teardown.mjs (run by the reaper).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { pkiPaths } from "./components.js";
import { ClusterError } from "./errors.js";
import { hasCommand, run, runOk } from "./exec.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { cniConfig, containerdConfig, kubeletConfig, kubeProxyConfig, NODE, nodePaths, type NodePaths } from "./node-config.js";
import { OWNER_DIR } from "./netns.js";
import { bin, binDir, nodeBinaries } from "./paths.js";
import { issueCert } from "./pki.js";
import { isRunning, readState, type NodeRecord } from "./state.js";

export const NODE_LOCK = join(OWNER_DIR, "node.lock");
export const RUNC = "/usr/sbin/runc";
export const CNI_BIN_DIR = "/usr/lib/cni";

/** Host tools the node needs, each with the Debian package that provides it. */
const HOST_TOOLS: { path: string; pkg: string }[] = [
  { path: RUNC, pkg: "runc" },
  { path: join(CNI_BIN_DIR, "bridge"), pkg: "containernetworking-plugins" },
  { path: join(CNI_BIN_DIR, "host-local"), pkg: "containernetworking-plugins" },
  { path: join(CNI_BIN_DIR, "loopback"), pkg: "containernetworking-plugins" },
];

/** One line naming the first missing tool or binary; nothing when all are there. */
export function nodePreflight(): void {
  if (process.getuid && process.getuid() !== 0)
    throw new ClusterError("a node cluster needs root (containerd, kubelet, a bridge): run as root, e.g. with sudo");
  for (const t of HOST_TOOLS)
    if (!existsSync(t.path)) throw new ClusterError(`${t.path} is missing: run \`npm run setup -- --node\` (or apt-get install ${t.pkg}) and retry`);
  for (const [cmd, pkg] of [
    ["nft", "nftables"],
    ["umount", "mount"],
  ])
    if (!hasCommand(cmd)) throw new ClusterError(`${cmd} is not installed: run \`npm run setup -- --node\` (or apt-get install ${pkg}) and retry`);
  const missing = nodeBinaries.filter((b) => !existsSync(bin(b)));
  if (missing.length)
    throw new ClusterError(`node binaries missing in .portico/bin (${missing.join(", ")}): run \`npm run setup\` (or bash src/local/controlplane/build.sh)`);
}

interface LockOwner {
  pid: number;
  dir: string;
}

/**
 * Claims the machine's node lock for the cluster in `dir`. A lock whose cluster no longer runs is stale:
 * `cleanStale(dir)` removes that cluster's leftovers and the claim is retried. A live one is one line.
 */
export function acquireNodeLock(dir: string, cleanStale: (dir: string) => void): void {
  mkdirSync(OWNER_DIR, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(NODE_LOCK, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, dir } satisfies LockOwner));
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new ClusterError(`creating ${NODE_LOCK} failed: ${(e as Error).message}`);
    }
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(readFileSync(NODE_LOCK, "utf8")) as LockOwner;
    } catch {
      owner = undefined; // half-written by a starting launcher, or garbage
    }
    if (owner && (isRunning(readState(owner.dir)) || (owner.pid !== process.pid && isStarting(owner)))) {
      throw new ClusterError(`a node cluster is already running on this machine (${owner.dir}); stop it with \`npm run cluster:down\` in that worktree`);
    }
    if (owner) cleanStale(owner.dir);
    rmSync(NODE_LOCK, { force: true });
  }
  throw new ClusterError(`could not claim ${NODE_LOCK}; remove it if no node cluster runs`);
}

/** A launcher that holds the lock but has not recorded a component yet is still starting. */
function isStarting(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch {
    return false;
  }
  return !readState(owner.dir);
}

export function releaseNodeLock(dir: string): void {
  try {
    const owner = JSON.parse(readFileSync(NODE_LOCK, "utf8")) as LockOwner;
    if (owner.dir === dir) rmSync(NODE_LOCK, { force: true });
  } catch {}
}

export function nodeRecord(clusterDir: string): NodeRecord {
  return {
    clusterDir,
    dir: nodePaths(clusterDir).dir,
    name: NODE.name,
    ip: NODE.ip,
    bridge: NODE.bridge,
    podCidr: NODE.podCidr,
    serviceCidr: NODE.serviceCidr,
    cgroupRoot: NODE.cgroupRoot,
    fixedPaths: [...NODE.fixedPaths],
    lockFile: NODE_LOCK,
    shimMarker: join(binDir, "containerd-shim-runc-v2"),
  };
}

/** The node's bridge with the node address; forwarding on this bridge only (never global ip_forward). */
export async function createBridge(): Promise<void> {
  await run("ip", ["link", "del", NODE.bridge]); // leftover of a killed run
  await runOk("creating the node bridge", "ip", ["-batch", "-"], {
    input: [`link add ${NODE.bridge} type bridge`, `addr add ${NODE.ip}/24 dev ${NODE.bridge}`, `link set ${NODE.bridge} up`, ""].join("\n"),
  });
  writeFileSync(`/proc/sys/net/ipv4/conf/${NODE.bridge}/forwarding`, "1");
}

/** Certificates, kubeconfigs and config files of the node's components, under <dir>/node. */
export async function writeNodeFiles(clusterDir: string, server: string): Promise<NodePaths> {
  const p = nodePaths(clusterDir);
  const pki = pkiPaths(clusterDir);
  mkdirSync(p.dir, { recursive: true });
  for (const d of [p.containerdRoot, p.kubeletRoot, p.cniConfDir, p.cniIpamDir, p.podLogs]) mkdirSync(d, { recursive: true });
  const ca = { cert: pki.caCert, key: pki.caKey };
  const caPem = readFileSync(pki.caCert, "utf8");
  const identities: { file: string; name: string; cn: string; o?: string[] }[] = [
    { file: p.kubeletKubeconfig, name: "kubelet", cn: `system:node:${NODE.name}`, o: ["system:nodes"] },
    { file: p.kubeProxyKubeconfig, name: "kube-proxy", cn: "system:kube-proxy" },
    { file: p.schedulerKubeconfig, name: "kube-scheduler", cn: "system:kube-scheduler" },
  ];
  await Promise.all(
    identities.map(async (id) => {
      const files = await issueCert(ca, pki.dir, { name: id.name, commonName: id.cn, organizations: id.o, usage: "client" });
      writeFileSync(
        id.file,
        renderKubeconfig({
          cluster: "local",
          server,
          caPem,
          user: id.cn,
          clientCertPem: readFileSync(files.cert, "utf8"),
          clientKeyPem: readFileSync(files.key, "utf8"),
        }),
        { mode: 0o600 },
      );
    }),
  );
  writeFileSync(p.containerdConfig, containerdConfig(p, { runc: RUNC, cniBinDir: CNI_BIN_DIR }));
  writeFileSync(join(p.cniConfDir, "10-portico.conflist"), cniConfig(p));
  writeFileSync(p.kubeletConfig, kubeletConfig(p, { caFile: pki.caCert }));
  writeFileSync(p.kubeProxyConfig, kubeProxyConfig(p));
  return p;
}
