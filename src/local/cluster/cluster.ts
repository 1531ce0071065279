// startCluster(): etcd + kube-apiserver + kube-controller-manager as local processes, a kubeconfig,
// and a pod network namespace for fake pods. Every process is recorded in state.json as soon as it
// starts, and a detached reaper (reaper.mjs) tears everything down when the owner process dies, even
// by SIGKILL. Normal paths (stop(), exit, SIGINT/SIGTERM) tear down synchronously through the same script.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { apiserverArgs, controllerManagerArgs, DEFAULT_SERVICE_RANGE, etcdArgs, pkiPaths, type ComponentLayout } from "./components.js";
import { containerdArgs, kubeletArgs, kubeProxyArgs, NODE, schedulerArgs } from "./node-config.js";
import { acquireNodeLock, createBridge, nodePreflight, nodeRecord, releaseNodeLock, writeNodeFiles } from "./node-host.js";
import { importImages } from "./node-images.js";
import { ClusterError } from "./errors.js";
import { hasCommand, run, type RunResult } from "./exec.js";
import { probe, type TlsClient } from "./http.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { checkNetworkTools, createNetwork, PodNetwork, type EchoPod, type EchoPodOptions } from "./netns.js";
import { bin, binaries, binDir, clusterDir, dataRoot, DEFAULT_CLUSTER, kubeconfigPath, reaperScript } from "./paths.js";
import { createCA, createKeyPair, issueCert } from "./pki.js";
import { assertPortFree, freePorts } from "./ports.js";
import { restartComponent, spawnComponent, type RestartOptions, type RestartResult } from "./restart.js";
import { isRunning, readState, writeState, type ClusterState, type ComponentName, type NodeRecord, type ProcessRecord } from "./state.js";

export interface StartOptions {
  /** Cluster name ([a-z0-9-]); default `test-<pid>-<n>` (removed on stop). "default" is the CLI's cluster. */
  name?: string;
  /** Where pki, logs, kubeconfig and state.json go; default `.portico/clusters/<name>`. */
  dir?: string;
  /** Fixed API server port; default a free one. */
  apiserverPort?: number;
  /** Leave the cluster running after this process exits (the CLI's `up`). */
  detached?: boolean;
  /** Give up waiting for readiness after this long (default 90 s). */
  timeoutMs?: number;
  /** Extra flags per component (e.g. feature gates), appended to the launcher's own. */
  extraArgs?: Partial<Record<ComponentName, string[]>>;
  /** Progress lines (the CLI prints them). */
  onProgress?: (line: string) => void;
  /**
   * A real node beside the control plane: kube-scheduler, containerd, kubelet and kube-proxy (nftables),
   * every controller on, the API server on the node's bridge address, the image archives imported.
   * One per machine (a second start fails with one line). Default timeout 180 s.
   */
  node?: boolean;
}

export interface KubectlOptions {
  input?: string;
  timeoutMs?: number;
}

export interface Cluster {
  readonly name: string;
  readonly dir: string;
  /** Path of the kubeconfig (CA, client certificate and key embedded). */
  readonly kubeconfig: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly caPem: string;
  readonly caFile: string;
  /** Admin identity (O=system:masters) as client certificate files and as a bearer token. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly adminToken: string;
  /** Environment for child processes that should talk to this cluster (KUBECONFIG, helm dirs). */
  readonly env: NodeJS.ProcessEnv;
  readonly podNetwork: PodNetwork;
  readonly state: ClusterState;
  /** Set on a node cluster: its name, address, pod and Service ranges. */
  readonly node?: NodeRecord;
  /** Node clusters: imports image archives that changed since the last import (see node-images.ts). */
  importImages(onProgress?: (line: string) => void): Promise<string[]>;
  kubectl(args: string[], opts?: KubectlOptions): Promise<RunResult>;
  /** kubectl that throws a ClusterError with kubectl's stderr on a non-zero exit; returns stdout. */
  kubectlOk(args: string[], opts?: KubectlOptions): Promise<string>;
  /** `kubectl apply -f -` of YAML text or objects. */
  apply(manifests: string | object | object[]): Promise<string>;
  helm(args: string[], opts?: KubectlOptions): Promise<RunResult>;
  startEchoPod(opts: EchoPodOptions): Promise<EchoPod>;
  /**
   * Stops one control-plane process (SIGTERM, SIGKILL after a grace period), optionally stays down for
   * `downMs`, starts it again with the same command line, ports and data, records its new pid in
   * state.json and resolves once it is ready (after etcd: once the API server is ready again too).
   */
  restartComponent(name: ComponentName, opts?: RestartOptions): Promise<RestartResult>;
  /** Kills every process of the cluster and removes its network and data. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ClusterImpl>();
let counter = 0;
let handlersInstalled = false;

function teardownSync(dir: string): void {
  spawnSync(process.execPath, [reaperScript, "teardown", dir], { stdio: "ignore", timeout: 120_000 });
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const c of live) c.stopSync();
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const handler = () => {
      for (const c of live) c.stopSync();
      process.removeListener(sig, handler);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

function tail(file: string, lines = 5): string[] {
  try {
    return readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .filter((l) => l.trim())
      .slice(-lines);
  } catch {
    return [];
  }
}

/** The most telling line of a crashed component's log: the last error-looking one, else the last. */
function lastError(file: string): string {
  const lines = tail(file, 30);
  const err = [...lines].reverse().find((l) => /^(E|F)\d{4}|error|fatal|panic|failed/i.test(l)) ?? lines.at(-1) ?? "(empty log)";
  return err.length > 400 ? `${err.slice(0, 400)}…` : err;
}

export function missingBinaries(): string[] {
  return binaries.filter((b) => !existsSync(bin(b)));
}

/** Checks the tools the launcher runs (openssl, ip, root), not the built binaries. */
export function preflight(): void {
  if (!hasCommand("openssl")) throw new ClusterError("openssl is not installed: install it (apt-get install openssl) and retry");
  checkNetworkTools();
}

function ensureTools(): void {
  const missing = missingBinaries();
  if (missing.length)
    throw new ClusterError(
      `control-plane binaries missing in .portico/bin (${missing.join(", ")}): run \`npm run setup\` (or bash src/local/controlplane/build.sh)`,
    );
  if (!hasCommand("openssl")) throw new ClusterError("openssl is not installed: install it (apt-get install openssl) and retry");
  checkNetworkTools();
}

export { isRunning };

class PortClash extends ClusterError {}

export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const generated = opts.name === undefined;
  const name = opts.name ?? `test-${process.pid}-${++counter}`;
  if (!/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(name)) throw new ClusterError(`cluster name "${name}" must be 1-40 characters of a-z, 0-9 and '-'`);
  const dir = opts.dir ?? clusterDir(name);
  const existing = readState(dir);
  if (isRunning(existing))
    throw new ClusterError(`cluster "${name}" is already running (${existing!.server}); stop it with npm run cluster:down -- --name ${name}`);
  if (existing) teardownSync(dir); // leftovers of a cluster whose processes are gone
  ensureTools();
  if (opts.node) {
    nodePreflight();
    acquireNodeLock(dir, teardownSync);
  }
  try {
    if (opts.apiserverPort !== undefined) await assertPortFree(opts.apiserverPort, "kube-apiserver");
    for (let attempt = 1; ; attempt++) {
      try {
        const c = await startOnce(name, dir, generated, opts);
        return c;
      } catch (e) {
        if (e instanceof PortClash && opts.apiserverPort === undefined && attempt < 3) continue; // lost a port race: new ports
        throw e;
      }
    }
  } catch (e) {
    if (opts.node) releaseNodeLock(dir);
    throw e;
  }
}

/**
 * The running cluster `name` (started detached, e.g. by `npm run cluster:up` or `npm start`) as a Cluster
 * object; undefined when it is not running. stop() on it tears the cluster down.
 */
export function connectCluster(name: string = DEFAULT_CLUSTER): Cluster | undefined {
  const state = readState(clusterDir(name));
  if (!isRunning(state)) return undefined;
  const p = pkiPaths(state!.dir);
  const token = readFileSync(p.tokens, "utf8").split(",")[0]!;
  return new ClusterImpl(state!, token, readFileSync(p.caCert, "utf8"), false, true);
}

async function writePki(dir: string, token: string, server: string, node: boolean): Promise<void> {
  const p = pkiPaths(dir);
  rmSync(p.dir, { recursive: true, force: true });
  const ca = await createCA(p.dir);
  await Promise.all([
    issueCert(ca, p.dir, {
      name: "apiserver",
      commonName: "kube-apiserver",
      ips: node ? ["127.0.0.1", NODE.ip, NODE.kubernetesServiceIp] : ["127.0.0.1", "10.96.0.1"],
      dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
      usage: "server",
    }),
    issueCert(ca, p.dir, { name: "admin", commonName: "portico-admin", organizations: ["system:masters"], usage: "client" }),
    issueCert(ca, p.dir, { name: "controller-manager", commonName: "system:kube-controller-manager", usage: "client" }),
    ...(node
      ? [
          issueCert(ca, p.dir, {
            name: "apiserver-kubelet-client",
            commonName: "kube-apiserver-kubelet-client",
            organizations: ["system:masters"],
            usage: "client",
          }),
        ]
      : []),
    createKeyPair(p.dir, "sa"),
  ]);
  writeFileSync(p.tokens, `${token},portico-admin,portico-admin,"system:masters"\n`, { mode: 0o600 });
  writeFileSync(
    p.controllerManagerKubeconfig,
    renderKubeconfig({
      cluster: "local",
      server,
      caPem: readFileSync(p.caCert, "utf8"),
      user: "system:kube-controller-manager",
      clientCertPem: readFileSync(p.controllerManagerCert, "utf8"),
      clientKeyPem: readFileSync(p.controllerManagerKey, "utf8"),
    }),
  );
}

async function startOnce(name: string, dir: string, generated: boolean, opts: StartOptions): Promise<Cluster> {
  const progress = opts.onProgress ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? (opts.node ? 180_000 : 90_000);
  const deadline = Date.now() + timeoutMs;
  const logDir = join(dir, "logs");
  mkdirSync(logDir, { recursive: true });
  const [etcdClient, etcdPeer, auto, controllerManager, scheduler] = await freePorts(5);
  const ports = { etcdClient, etcdPeer, apiserver: opts.apiserverPort ?? auto, controllerManager, ...(opts.node ? { scheduler } : {}) };
  const server = `https://${opts.node ? NODE.ip : "127.0.0.1"}:${ports.apiserver}`;
  const dataDir = join(dataRoot(dir), `portico-${name}-${process.pid}-${randomBytes(3).toString("hex")}`);
  const token = randomBytes(24).toString("hex");
  progress("generating certificates");
  await writePki(dir, token, server, !!opts.node);
  const p = pkiPaths(dir);
  const layout: ComponentLayout = {
    name,
    dir,
    dataDir,
    ports,
    serviceClusterIpRange: opts.node ? NODE.serviceCidr : DEFAULT_SERVICE_RANGE,
    node: opts.node ? { ip: NODE.ip, podCidr: NODE.podCidr } : undefined,
  };
  const kubeconfig = kubeconfigPath(name, dir);
  const ownerPids = [process.pid];
  // Under node's test runner the file runs in a child: watch the runner too, so killing it cleans up.
  if (process.env.NODE_TEST_CONTEXT) ownerPids.push(process.ppid);
  const state: ClusterState = {
    version: 1,
    name,
    dir,
    dataDir,
    detached: !!opts.detached,
    ephemeral: generated,
    server,
    kubeconfig,
    ports,
    components: [],
    pods: [],
    node: opts.node ? nodeRecord(dir) : undefined,
    ownerPids,
    startedAt: new Date().toISOString(),
  };
  writeState(state);
  const reaper = spawn(process.execPath, [reaperScript, "watch", dir], { detached: true, stdio: "ignore" });
  reaper.unref();
  state.reaperPid = reaper.pid;
  writeState(state);

  const children = new Map<string, { child: ChildProcess; log: string; exit?: number | null }>();
  const failIfCrashed = () => {
    for (const [cname, c] of children) {
      if (c.exit === undefined) continue;
      const line = lastError(c.log);
      const msg = `${cname} exited with code ${c.exit} while starting: ${line} (log: ${c.log})`;
      if (/address already in use/.test(line)) throw new PortClash(msg);
      throw new ClusterError(msg);
    }
  };
  const startComponent = (cname: ComponentName, own: string[], marker: string, env?: NodeJS.ProcessEnv) => {
    const args = [...own, ...(opts.extraArgs?.[cname] ?? [])];
    const log = join(logDir, `${cname}.log`);
    const child = spawnComponent(cname, args, log, false, env);
    const entry: { child: ChildProcess; log: string; exit?: number | null } = { child, log };
    child.on("exit", (code, signal) => (entry.exit = code ?? (signal ? -1 : null)));
    child.on("error", () => (entry.exit = -1));
    children.set(cname, entry);
    if (child.pid) state.components.push({ name: cname, pid: child.pid, log, marker, args } satisfies ProcessRecord);
    writeState(state);
  };
  /** `component` names who failed when the wait times out, and its log. */
  const waitFor = async (what: string, check: () => Promise<boolean>, component?: ComponentName) => {
    for (;;) {
      failIfCrashed();
      if (await check().catch(() => false)) return;
      failIfCrashed();
      if (Date.now() > deadline)
        throw new ClusterError(
          component
            ? `${component} did not come up: timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (log: ${join(logDir, `${component}.log`)})`
            : `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (logs: ${logDir})`,
        );
      await new Promise((r) => setTimeout(r, 150));
    }
  };

  const startNode = async (server: string, tls: TlsClient) => {
    const np = await writeNodeFiles(dir, server);
    progress("starting kube-scheduler and containerd");
    startComponent("kube-scheduler", schedulerArgs(np, { port: ports.scheduler! }), np.schedulerKubeconfig);
    // containerd finds its shim on PATH.
    startComponent("containerd", containerdArgs(np), np.containerdConfig, { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ""}` });
    await waitFor(
      "containerd's socket",
      async () => (await run(bin("ctr"), ["--address", NODE.containerdSocket, "version"], { timeoutMs: 5000 })).code === 0,
      "containerd",
    );
    await importImages(progress, join(np.dir, "imported-images.json"));
    progress("starting kubelet and kube-proxy");
    startComponent("kubelet", kubeletArgs(np), np.kubeletConfig);
    startComponent("kube-proxy", kubeProxyArgs(np), np.kubeProxyConfig);
    await waitFor(
      `node ${NODE.name} Ready`,
      async () => {
        const r = await probe(`${server}/api/v1/nodes/${NODE.name}`, tls);
        if (r.status !== 200) return false;
        const node = JSON.parse(r.body) as { status?: { conditions?: { type: string; status: string }[] } };
        return !!node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      },
      "kubelet",
    );
    await waitFor("kube-proxy /healthz", async () => (await probe(`http://${NODE.ip}:${NODE.kubeProxyHealthzPort}/healthz`)).status === 200, "kube-proxy");
    await waitFor(
      "kube-scheduler /healthz",
      async () => (await probe(`https://127.0.0.1:${ports.scheduler}/healthz`, { insecure: true })).status === 200,
      "kube-scheduler",
    );
  };

  let cluster: ClusterImpl | undefined;
  installExitHandlers();
  const pending = { stopSync: () => teardownSync(dir) } as ClusterImpl;
  live.add(pending); // a Ctrl-C or exit during start tears down what was started
  try {
    progress("creating the pod network");
    state.network = await createNetwork(dir);
    writeState(state);
    if (opts.node) {
      progress(`creating the node bridge ${NODE.bridge} (${NODE.ip})`);
      await createBridge();
    }
    progress("starting etcd and kube-apiserver");
    startComponent("etcd", etcdArgs(layout), dataDir);
    startComponent("kube-apiserver", apiserverArgs(layout), dir);
    const tls: TlsClient = { ca: readFileSync(p.caCert, "utf8"), cert: readFileSync(p.adminCert, "utf8"), key: readFileSync(p.adminKey, "utf8") };
    await waitFor("kube-apiserver /readyz", async () => (await probe(`${server}/readyz`, tls)).status === 200);
    progress("starting kube-controller-manager");
    startComponent("kube-controller-manager", controllerManagerArgs(layout), dir);
    await waitFor("the default ServiceAccount", async () => (await probe(`${server}/api/v1/namespaces/default/serviceaccounts/default`, tls)).status === 200);
    if (opts.node) await startNode(server, tls);
    writeFileSync(
      kubeconfig,
      renderKubeconfig({
        cluster: name,
        server,
        caPem: tls.ca!,
        user: "portico-admin",
        clientCertPem: tls.cert,
        clientKeyPem: tls.key,
      }),
      { mode: 0o600 },
    );
    if (opts.detached) {
      state.ownerPids = []; // the reaper exits; `cluster:down` stops it from now on
      writeState(state);
    }
    cluster = new ClusterImpl(state, token, tls.ca!, generated, !!opts.detached);
    return cluster;
  } catch (e) {
    state.ephemeral = false; // keep the logs the error message points at
    writeState(state);
    teardownSync(dir);
    throw e;
  } finally {
    live.delete(pending);
    if (cluster && !opts.detached) live.add(cluster);
  }
}

class ClusterImpl implements Cluster {
  readonly name: string;
  readonly dir: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly caFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly env: NodeJS.ProcessEnv;
  readonly podNetwork: PodNetwork;
  readonly node?: NodeRecord;
  private stopped = false;
  /** Restarts run one at a time: each rewrites state.json. */
  private restarting: Promise<unknown> = Promise.resolve();

  constructor(
    readonly state: ClusterState,
    readonly adminToken: string,
    readonly caPem: string,
    private readonly removeDirOnStop: boolean,
    private readonly detached: boolean,
  ) {
    this.name = state.name;
    this.dir = state.dir;
    this.kubeconfig = state.kubeconfig;
    this.server = state.server;
    const p = pkiPaths(state.dir);
    this.caFile = p.caCert;
    this.clientCertFile = p.adminCert;
    this.clientKeyFile = p.adminKey;
    const helmHome = join(state.dir, "helm");
    this.env = {
      ...process.env,
      KUBECONFIG: this.kubeconfig,
      HELM_CONFIG_HOME: join(helmHome, "config"),
      HELM_CACHE_HOME: join(helmHome, "cache"),
      HELM_DATA_HOME: join(helmHome, "data"),
    };
    this.podNetwork = new PodNetwork(state.network!, join(state.dir, "logs", "pods"));
    this.node = state.node;
  }

  async importImages(onProgress: (line: string) => void = () => {}): Promise<string[]> {
    if (!this.node) throw new ClusterError(`cluster "${this.name}" has no node: images need a node cluster (startCluster({ node: true }))`);
    return importImages(onProgress, join(this.node.dir, "imported-images.json"));
  }

  kubectl(args: string[], opts: KubectlOptions = {}): Promise<RunResult> {
    return run(bin("kubectl"), ["--kubeconfig", this.kubeconfig, ...args], { input: opts.input, env: this.env, timeoutMs: opts.timeoutMs ?? 60_000 });
  }

  async kubectlOk(args: string[], opts: KubectlOptions = {}): Promise<string> {
    const r = await this.kubectl(args, opts);
    if (r.code !== 0) throw new ClusterError(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  apply(manifests: string | object | object[]): Promise<string> {
    const text = typeof manifests === "string" ? manifests : (Array.isArray(manifests) ? manifests : [manifests]).map((m) => stringify(m)).join("---\n");
    return this.kubectlOk(["apply", "-f", "-"], { input: text });
  }

  helm(args: string[], opts: KubectlOptions = {}): Promise<RunResult> {
    return run(bin("helm"), args, { input: opts.input, env: this.env, timeoutMs: opts.timeoutMs ?? 120_000 });
  }

  startEchoPod(opts: EchoPodOptions): Promise<EchoPod> {
    return this.podNetwork.startEchoPod(opts);
  }

  restartComponent(name: ComponentName, opts: RestartOptions = {}): Promise<RestartResult> {
    const next = this.restarting.then(() => {
      if (this.stopped) throw new ClusterError(`cluster "${this.name}" is stopped: cannot restart ${name}`);
      const p = pkiPaths(this.dir);
      return restartComponent(
        this.state,
        { ca: this.caPem, cert: readFileSync(p.adminCert, "utf8"), key: readFileSync(p.adminKey, "utf8") },
        name,
        opts,
        () => !this.stopped,
      );
    });
    this.restarting = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    await this.restarting; // a restart in progress spawns nothing more once stopped is set
    await this.podNetwork.stopAll();
    await run(process.execPath, [reaperScript, "teardown", this.dir], { timeoutMs: 120_000 }); // a node's image store takes a while to delete
    this.cleanupDir();
  }

  stopSync(): void {
    if (this.stopped || this.detached) return;
    this.stopped = true;
    live.delete(this);
    teardownSync(this.dir);
    this.cleanupDir();
  }

  private cleanupDir(): void {
    if (this.removeDirOnStop) rmSync(this.dir, { recursive: true, force: true });
  }
}
