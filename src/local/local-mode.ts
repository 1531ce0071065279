// Local mode: Portico on a kubeconfig with every piece as a local process, the way a cluster would
// run it — the Pepr module (admission + watches, URL webhooks), the IngressController reconciled by
// the operator, and the agent plus nginx playing the NGINX pod with the data-plane
// ServiceAccount's own token (TokenRequest), so its least-privilege RBAC is exercised for real.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bindingsOnly } from "../../capabilities/index.js";
import { freePort } from "./cluster/ports.js";
import { kubectl, REPO_ROOT, startPeprModule, type PeprProcess } from "./pepr-process.js";

export interface LocalModeOptions {
  kubeconfig: string;
  /** Where logs, certificates and nginx's prefix go. */
  workDir: string;
  namespace?: string;
  controllerName?: string;
  listenAddress?: string;
  httpPort?: number;
  httpsPort?: number;
  /** Also create the `portico` IngressClass as the cluster default. */
  ingressClassName?: string;
  isDefaultClass?: boolean;
  onProgress?: (line: string) => void;
  /** Extra environment for the Pepr module (e.g. hold-off tuning in tests). */
  peprEnv?: Record<string, string>;
}

export interface LocalMode {
  namespace: string;
  controllerName: string;
  httpPort: number;
  httpsPort: number;
  listenAddress: string;
  pepr: PeprProcess;
  agent: ChildProcess;
  agentLog: string;
  nginxPrefix: string;
  controlPort: number;
  /** Restarts the agent process (tests of agent restarts). */
  restartAgent(): Promise<void>;
  /** Restarts the Pepr module process (tests of controller restarts). */
  restartPepr(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_NAMESPACE = "portico-system";
export const DEFAULT_CONTROLLER = "default";

export function defaultPorts(): { http: number; https: number } {
  const root = process.getuid?.() === 0;
  return {
    http: Number(process.env.PORTICO_HTTP_PORT ?? (root ? 80 : 8080)),
    https: Number(process.env.PORTICO_HTTPS_PORT ?? (root ? 443 : 8443)),
  };
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String((lastErr as Error).message ?? lastErr).split("\n")[0]}` : ""}`);
}

/** A kubeconfig holding only the data-plane ServiceAccount's token: what the agent gets in a pod. */
function writeAgentKubeconfig(adminKubeconfig: string, namespace: string, serviceAccount: string, file: string): void {
  const token = kubectl(adminKubeconfig, ["-n", namespace, "create", "token", serviceAccount, "--duration=24h"]).trim();
  const cfg = JSON.parse(kubectl(adminKubeconfig, ["config", "view", "--raw", "--minify", "-o", "json"]));
  const cluster = cfg.clusters[0].cluster;
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "local", cluster: { server: cluster.server, "certificate-authority-data": cluster["certificate-authority-data"] } }],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: "agent", context: { cluster: "local", user: serviceAccount, namespace } }],
    "current-context": "agent",
  };
  writeFileSync(file, JSON.stringify(kubeconfig, null, 2), { mode: 0o600 });
}

export async function startLocalMode(opts: LocalModeOptions): Promise<LocalMode> {
  const progress = opts.onProgress ?? (() => {});
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const controllerName = opts.controllerName ?? DEFAULT_CONTROLLER;
  const ports = defaultPorts();
  const httpPort = opts.httpPort ?? ports.http;
  const httpsPort = opts.httpsPort ?? ports.https;
  const listenAddress = opts.listenAddress ?? process.env.PORTICO_LISTEN_ADDRESS ?? "127.0.0.1";
  // Every local nginx gets its own internal ports, so instances side by side never collide.
  const controlPort = await freePort();
  // The agent's /status (127.0.0.1 only) on a free port too: its default 10255 is one per machine,
  // and several local modes run at once.
  const statusPort = await freePort();
  const defaultBackendPort = await freePort();
  const probePort = await freePort();
  const httpsInternalPort = await freePort();
  const passthroughInternalPort = await freePort();
  mkdirSync(opts.workDir, { recursive: true });

  progress("installing the IngressController CRD");
  kubectl(opts.kubeconfig, ["apply", "--server-side", "--force-conflicts", "-f", join(REPO_ROOT, "crds")]);
  kubectl(opts.kubeconfig, ["wait", "--for=condition=Established", "crd/ingresscontrollers.portico.dev", "--timeout=30s"]);
  kubectl(opts.kubeconfig, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }));

  progress("starting the Pepr module (admission webhooks + watches + reconciler)");
  let pepr = await startPeprModule({ kubeconfig: opts.kubeconfig, workDir: join(opts.workDir, "pepr"), capabilities: bindingsOnly(), env: opts.peprEnv });

  try {
    progress(`creating IngressController ${namespace}/${controllerName}`);
    const ic = {
      apiVersion: "portico.dev/v1alpha1",
      kind: "IngressController",
      metadata: { name: controllerName, namespace },
      spec: {
        replicas: 1,
        ingressClass: { name: opts.ingressClassName ?? "portico", create: true, isDefault: opts.isDefaultClass ?? true },
        publishAddress: listenAddress === "0.0.0.0" ? "127.0.0.1" : listenAddress,
        listen: { address: listenAddress, httpPort, httpsPort, controlPort, defaultBackendPort, httpsInternalPort, passthroughInternalPort, probePort },
      },
    };
    kubectl(opts.kubeconfig, ["apply", "--server-side", "--field-manager=portico-local", "-f", "-"], JSON.stringify(ic));

    const serviceAccount = `${controllerName}-nginx`;
    progress(`waiting for the data-plane ServiceAccount ${namespace}/${serviceAccount} (created by the reconciler)`);
    await waitFor("the data-plane ServiceAccount and Role", () => {
      kubectl(opts.kubeconfig, ["-n", namespace, "get", `serviceaccount/${serviceAccount}`, `role/${serviceAccount}`, `rolebinding/${serviceAccount}`]);
      return true;
    });

    const agentDir = join(opts.workDir, "agent");
    mkdirSync(agentDir, { recursive: true });
    const agentKubeconfig = join(agentDir, "kubeconfig");
    writeAgentKubeconfig(opts.kubeconfig, namespace, serviceAccount, agentKubeconfig);
    const tokenRefresh = setInterval(() => {
      try {
        writeAgentKubeconfig(opts.kubeconfig, namespace, serviceAccount, agentKubeconfig);
      } catch {
        // retried at the next interval; the current token stays valid for hours
      }
    }, 3_600_000);
    tokenRefresh.unref();

    const nginxPrefix = join(agentDir, "nginx");
    const agentLog = join(agentDir, "agent.log");
    const startAgent = () => {
      const out = openSync(agentLog, "a");
      return spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(REPO_ROOT, "src/agent/main.ts"),
          "--prefix",
          nginxPrefix,
          "--source",
          `api:${namespace}/${controllerName}`,
          "--control-port",
          String(controlPort),
          "--metrics-port",
          "0",
          "--status-port",
          String(statusPort),
        ],
        { cwd: REPO_ROOT, env: { ...process.env, KUBECONFIG: agentKubeconfig }, stdio: ["ignore", out, out] },
      );
    };
    const stopProcess = async (p: ChildProcess, graceMs = 5000) => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise<void>((r) => p.once("exit", () => r()));
      p.kill("SIGTERM");
      const t = setTimeout(() => p.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(t);
    };
    progress("starting the agent and nginx (the NGINX pod, with the data-plane ServiceAccount token)");
    let agent = startAgent();
    const mode: LocalMode = {
      namespace,
      controllerName,
      httpPort,
      httpsPort,
      listenAddress,
      pepr,
      agent,
      agentLog,
      nginxPrefix,
      controlPort,
      async restartAgent() {
        await stopProcess(mode.agent);
        agent = startAgent();
        mode.agent = agent;
      },
      async restartPepr() {
        await mode.pepr.stop();
        pepr = await startPeprModule({ kubeconfig: opts.kubeconfig, workDir: join(opts.workDir, "pepr"), capabilities: bindingsOnly(), env: opts.peprEnv });
        mode.pepr = pepr;
      },
      async stop() {
        clearInterval(tokenRefresh);
        await stopProcess(mode.agent);
        await mode.pepr.stop();
      },
    };
    return mode;
  } catch (err) {
    await pepr.stop();
    throw err;
  }
}
