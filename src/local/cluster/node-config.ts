// The local node's layout and the configuration files of its components (containerd, kubelet,
// kube-proxy, the CNI bridge), as pure functions: paths in, text out. The settings this machine needs
// are explained in ../shared/notes/real-node.md; each one below was a blocker until set.
import { join } from "node:path";
import { stringify } from "yaml";

/** One node cluster per machine (see node-host.ts for why), so its network is fixed. */
export const NODE = {
  name: "portico-node",
  bridge: "ptcnode0",
  /** The node's and the API server's address, on the bridge the launcher creates. */
  ip: "198.19.0.1",
  podCidr: "198.19.0.0/24",
  /** First address handed to a pod (the host-local range starts here). */
  podRangeStart: "198.19.0.10",
  serviceCidr: "198.19.128.0/20",
  /** The `kubernetes` Service's ClusterIP: the first address of the range. */
  kubernetesServiceIp: "198.19.128.1",
  /** Where containerd's socket is: kubelet and ctr talk to it. */
  containerdSocket: "/run/containerd/containerd.sock",
  /** Paths kubelet and containerd use whatever their flags say; removed on teardown. */
  fixedPaths: ["/run/containerd", "/var/lib/cni", "/var/log/containers", "/var/log/pods", "/var/lib/kubelet"],
  /** The cgroup kubelet puts pods under (cgroupfs driver), in every v1 hierarchy and the unified one. */
  cgroupRoot: "kubepods",
  /** The image containerd uses for pod sandboxes; the launcher tags the imported pause image so. */
  sandboxImage: "portico.local/pause:node",
  kubeletPort: 10250,
  kubeProxyHealthzPort: 10256,
  kubeProxyMetricsPort: 10249,
} as const;

export interface NodePaths {
  /** <cluster dir>/node */
  dir: string;
  containerdRoot: string;
  containerdConfig: string;
  kubeletRoot: string;
  kubeletConfig: string;
  kubeletKubeconfig: string;
  kubeProxyConfig: string;
  kubeProxyKubeconfig: string;
  schedulerKubeconfig: string;
  cniConfDir: string;
  cniIpamDir: string;
  podLogs: string;
}

export function nodePaths(clusterDir: string): NodePaths {
  const dir = join(clusterDir, "node");
  return {
    dir,
    containerdRoot: join(dir, "containerd"),
    containerdConfig: join(dir, "containerd.toml"),
    kubeletRoot: join(dir, "kubelet"),
    kubeletConfig: join(dir, "kubelet.yaml"),
    kubeletKubeconfig: join(dir, "kubelet.kubeconfig"),
    kubeProxyConfig: join(dir, "kube-proxy.yaml"),
    kubeProxyKubeconfig: join(dir, "kube-proxy.kubeconfig"),
    schedulerKubeconfig: join(dir, "kube-scheduler.kubeconfig"),
    cniConfDir: join(dir, "cni"),
    cniIpamDir: join(dir, "cni-ipam"),
    podLogs: join(dir, "pods"),
  };
}

/** containerd v2 (config version 3): the CRI plugin with Debian's runc and CNI plugins. */
export function containerdConfig(p: NodePaths, opts: { runc: string; cniBinDir: string }): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    "version = 3",
    `root = ${q(p.containerdRoot)}`,
    `state = ${q("/run/containerd")}`,
    // Snapshotters this build leaves out or the host cannot use; they would only log errors.
    `disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]`,
    "",
    "[grpc]",
    `  address = ${q(NODE.containerdSocket)}`,
    "",
    "[plugins.'io.containerd.cri.v1.images']",
    "  snapshotter = 'overlayfs'",
    "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
    `  sandbox = ${q(NODE.sandboxImage)}`,
    "",
    "[plugins.'io.containerd.cri.v1.runtime']",
    // The VM withholds CAP_SYS_RESOURCE: no process may lower its oom_score_adj, and runc fails every
    // sandbox with "can't get final child's PID from pipe: EOF" unless the CRI plugin clamps it.
    "  restrict_oom_score_adj = true",
    // Pod network namespaces under containerd's state dir (/run/containerd), not /run/netns.
    "  netns_mounts_under_state_dir = true",
    "  enable_cdi = false",
    "[plugins.'io.containerd.cri.v1.runtime'.cni]",
    `  bin_dirs = [${q(opts.cniBinDir)}]`,
    `  conf_dir = ${q(p.cniConfDir)}`,
    "  max_conf_num = 1",
    "[plugins.'io.containerd.cri.v1.runtime'.containerd]",
    "  default_runtime_name = 'runc'",
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
    "  runtime_type = 'io.containerd.runc.v2'",
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
    `  BinaryName = ${q(opts.runc)}`,
    "  SystemdCgroup = false",
    "",
  ].join("\n");
}

/** The CNI network: pods on the node's own bridge, routed through the node address. */
export function cniConfig(p: NodePaths): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: "portico",
      plugins: [
        {
          type: "bridge",
          bridge: NODE.bridge,
          // The bridge already carries the node address; isGateway would also switch on global ip_forward.
          isGateway: false,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            dataDir: p.cniIpamDir,
            ranges: [[{ subnet: NODE.podCidr, rangeStart: NODE.podRangeStart, gateway: NODE.ip }]],
            routes: [{ dst: "0.0.0.0/0", gw: NODE.ip }],
          },
        },
        { type: "loopback" },
      ],
    },
    null,
    2,
  );
}

export function kubeletConfig(p: NodePaths, opts: { caFile: string }): string {
  return stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: NODE.ip,
    port: NODE.kubeletPort,
    readOnlyPort: 0,
    healthzBindAddress: NODE.ip,
    healthzPort: 10248,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: opts.caFile } },
    authorization: { mode: "Webhook" },
    containerRuntimeEndpoint: `unix://${NODE.containerdSocket}`,
    // The host is cgroup v1 (hybrid): kubelet 1.37 refuses it unless told, and only cgroupfs works here.
    cgroupDriver: "cgroupfs",
    failCgroupV1: false,
    cgroupRoot: "/",
    failSwapOn: false,
    // Otherwise kubelet adds host-wide chains, one of which drops non-loopback traffic to 127.0.0.0/8.
    makeIPTablesUtilChains: false,
    // A throwaway node on a shared disk: never evict, never collect the imported images.
    evictionHard: { "memory.available": "1Mi", "nodefs.available": "1%", "nodefs.inodesFree": "1%", "imagefs.available": "1%" },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    podLogsDir: p.podLogs,
    clusterDomain: "cluster.local",
    resolvConf: "/etc/resolv.conf",
    serializeImagePulls: false,
    registerNode: true,
    maxPods: 110,
    nodeStatusReportFrequency: "10s",
    nodeStatusUpdateFrequency: "2s",
    syncFrequency: "10s",
    fileCheckFrequency: "20s",
    shutdownGracePeriod: "0s",
  });
}

export function kubeProxyConfig(p: NodePaths): string {
  return stringify({
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    mode: "nftables",
    clientConnection: { kubeconfig: p.kubeProxyKubeconfig },
    hostnameOverride: NODE.name,
    bindAddress: NODE.ip,
    healthzBindAddress: `${NODE.ip}:${NODE.kubeProxyHealthzPort}`,
    metricsBindAddress: `${NODE.ip}:${NODE.kubeProxyMetricsPort}`,
    clusterCIDR: NODE.podCidr,
    // NodePorts answer on the node address only (not on every host address of the shared machine).
    nodePortAddresses: [`${NODE.ip}/32`],
    // Leave the host's conntrack sysctls alone (the machine is shared).
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
    // Service traffic from pods is masqueraded, so a reply from a pod on the same bridge comes back
    // through the host (no br_netfilter needed).
    masqueradeAll: true,
  });
}

export function schedulerArgs(p: NodePaths, opts: { port: number }): string[] {
  return [
    `--kubeconfig=${p.schedulerKubeconfig}`,
    `--authentication-kubeconfig=${p.schedulerKubeconfig}`,
    `--authorization-kubeconfig=${p.schedulerKubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${opts.port}`,
    "--leader-elect=false",
    "--kube-api-qps=200",
    "--kube-api-burst=400",
    "--profiling=false",
    "--v=1",
  ];
}

export function containerdArgs(p: NodePaths): string[] {
  return ["--config", p.containerdConfig, "--log-level", "warn"];
}

export function kubeletArgs(p: NodePaths): string[] {
  return [
    `--config=${p.kubeletConfig}`,
    `--kubeconfig=${p.kubeletKubeconfig}`,
    `--root-dir=${p.kubeletRoot}`,
    `--cert-dir=${join(p.kubeletRoot, "pki")}`,
    `--hostname-override=${NODE.name}`,
    `--node-ip=${NODE.ip}`,
    "--v=1",
  ];
}

export function kubeProxyArgs(p: NodePaths): string[] {
  return [`--config=${p.kubeProxyConfig}`, "--v=1"];
}
