// Command lines of the three control-plane processes. Pure: paths and ports in, argv out.
import { join } from "node:path";

export interface ComponentLayout {
  name: string;
  dir: string;
  dataDir: string;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; controllerManager: number };
  /** Range ClusterIPs are allocated from; a traffic target only on a node cluster (kube-proxy). */
  serviceClusterIpRange: string;
  /** A node cluster: the API server binds and advertises on the node address (pods reach it through
   * the `kubernetes` Service), and every controller runs, node CIDR allocation included. */
  node?: { ip: string; podCidr: string };
}

export const DEFAULT_SERVICE_RANGE = "10.96.0.0/16";

export function pkiPaths(dir: string) {
  const pki = join(dir, "pki");
  return {
    dir: pki,
    caCert: join(pki, "ca.crt"),
    caKey: join(pki, "ca.key"),
    apiserverCert: join(pki, "apiserver.crt"),
    apiserverKey: join(pki, "apiserver.key"),
    adminCert: join(pki, "admin.crt"),
    adminKey: join(pki, "admin.key"),
    controllerManagerCert: join(pki, "controller-manager.crt"),
    controllerManagerKey: join(pki, "controller-manager.key"),
    saKey: join(pki, "sa.key"),
    saPub: join(pki, "sa.pub"),
    tokens: join(pki, "tokens.csv"),
    controllerManagerKubeconfig: join(pki, "controller-manager.kubeconfig"),
    controllerManagerCertDir: join(pki, "controller-manager-serving"),
    /** The API server's client certificate towards kubelets (logs, exec, port-forward). */
    kubeletClientCert: join(pki, "apiserver-kubelet-client.crt"),
    kubeletClientKey: join(pki, "apiserver-kubelet-client.key"),
  };
}

export function etcdArgs(l: ComponentLayout): string[] {
  const client = `http://127.0.0.1:${l.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${l.ports.etcdPeer}`;
  return [
    "--name=portico",
    `--data-dir=${join(l.dataDir, "etcd")}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=portico=${peer}`,
    "--initial-cluster-state=new",
    // The data is disposable (tmpfs, deleted on stop): skip fsync for speed.
    "--unsafe-no-fsync=true",
    "--log-level=warn",
  ];
}

export function apiserverArgs(l: ComponentLayout): string[] {
  const p = pkiPaths(l.dir);
  const address = l.node
    ? [
        `--bind-address=${l.node.ip}`,
        `--advertise-address=${l.node.ip}`,
        `--kubelet-client-certificate=${p.kubeletClientCert}`,
        `--kubelet-client-key=${p.kubeletClientKey}`,
        "--kubelet-preferred-address-types=InternalIP",
      ]
    : [
        "--bind-address=127.0.0.1",
        // Without an advertise address the server exits on hosts without a default route.
        "--advertise-address=127.0.0.1",
        // The `kubernetes` Service's endpoints may not be loopback, and nothing could route to them anyway.
        "--endpoint-reconciler-type=none",
      ];
  return [
    `--etcd-servers=http://127.0.0.1:${l.ports.etcdClient}`,
    ...address,
    `--secure-port=${l.ports.apiserver}`,
    `--cert-dir=${join(l.dir, "pki", "apiserver-generated")}`,
    `--tls-cert-file=${p.apiserverCert}`,
    `--tls-private-key-file=${p.apiserverKey}`,
    `--client-ca-file=${p.caCert}`,
    `--token-auth-file=${p.tokens}`,
    `--service-cluster-ip-range=${l.serviceClusterIpRange}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${p.saPub}`,
    `--service-account-signing-key-file=${p.saKey}`,
    "--authorization-mode=Node,RBAC",
    "--allow-privileged=true",
    // `service:` webhooks and APIService backends resolve through EndpointSlices (fake pods),
    // as there is no kube-proxy to make ClusterIPs reachable.
    "--enable-aggregator-routing=true",
    "--profiling=false",
    "--v=1",
  ];
}

export function controllerManagerArgs(l: ComponentLayout): string[] {
  const p = pkiPaths(l.dir);
  return [
    `--kubeconfig=${p.controllerManagerKubeconfig}`,
    `--authentication-kubeconfig=${p.controllerManagerKubeconfig}`,
    `--authorization-kubeconfig=${p.controllerManagerKubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${l.ports.controllerManager}`,
    `--cert-dir=${p.controllerManagerCertDir}`,
    "--leader-elect=false",
    // The default client rate limit (20 qps) makes start-up crawl: with per-controller credentials each
    // controller fetches its own token before it starts. Local and single-user, so lift it.
    "--kube-api-qps=200",
    "--kube-api-burst=400",
    // Each controller acts under its own ServiceAccount, as in kubeadm clusters (RBAC bootstrap roles).
    "--use-service-account-credentials=true",
    ...(l.node
      ? ["--controllers=*", "--allocate-node-cidrs=true", `--cluster-cidr=${l.node.podCidr}`, `--node-cidr-mask-size=${l.node.podCidr.split("/")[1]}`]
      : // Tests own Endpoints and EndpointSlices (fake pods): the controllers that would fight them stay off.
        ["--controllers=*,-endpoints-controller,-endpointslice-controller,-endpointslice-mirroring-controller"]),
    `--root-ca-file=${p.caCert}`,
    `--service-account-private-key-file=${p.saKey}`,
    `--cluster-signing-cert-file=${p.caCert}`,
    `--cluster-signing-key-file=${p.caKey}`,
    `--cluster-name=${l.name}`,
    `--service-cluster-ip-range=${l.serviceClusterIpRange}`,
    "--profiling=false",
    "--v=1",
  ];
}
