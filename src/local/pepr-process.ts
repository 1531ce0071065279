// Runs the Pepr module as a local child process against a kubeconfig, the way local mode and the
// e2e suites need it: Pepr's store CRD and namespace created first, a serving certificate with an
// IP SAN for 127.0.0.1, and URL webhook configurations registered for exactly the kinds and
// operations the capabilities bind (derived from the bindings, as `pepr build` does). stop()
// removes the webhook configurations before killing the process, so a cluster is never left with a
// failurePolicy=Fail webhook pointing at nothing.

import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./cluster/ports.js";
import { request } from "node:https";
import { fileURLToPath } from "node:url";
import type { Capability } from "pepr";
import { PEPR_STORE_CRD } from "../api/pepr-store-crd.js";
import { selfSignedArgs } from "../agent/default-cert.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const KUBECTL = join(REPO_ROOT, ".portico/bin/kubectl");

export interface PeprProcessOptions {
  kubeconfig: string;
  /** Directory for the certificate, the log and the webhook manifests. */
  workDir: string;
  port?: number;
  /** Webhook configuration name (distinct per cluster user so two instances can coexist). */
  name?: string;
  env?: Record<string, string>;
  /** Capabilities whose Mutate/Validate bindings define the webhook rules. */
  capabilities: Capability[];
  failurePolicy?: "Fail" | "Ignore";
  timeoutSeconds?: number;
}

export interface PeprProcess {
  port: number;
  caPem: string;
  logFile: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function kubectl(kubeconfig: string, args: string[], input?: string): string {
  return execFileSync(KUBECTL, args, { env: { ...process.env, KUBECONFIG: kubeconfig }, input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

function webhookRules(capabilities: Capability[], mutate: boolean) {
  const seen = new Set<string>();
  const rules = [];
  for (const cap of capabilities) {
    for (const b of cap.bindings) {
      if (mutate ? !b.isMutate : !b.isValidate) continue;
      const operations = b.event === "CREATEORUPDATE" ? ["CREATE", "UPDATE"] : b.event === "*" ? ["CREATE", "UPDATE", "DELETE"] : [b.event];
      const rule = {
        apiGroups: [b.kind.group],
        apiVersions: [b.kind.version || "*"],
        operations,
        resources: [b.kind.plural || `${b.kind.kind.toLowerCase()}s`],
      };
      const key = JSON.stringify(rule);
      if (!seen.has(key)) {
        rules.push(rule);
        seen.add(key);
      }
    }
  }
  return rules;
}

function generateCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, "webhook.crt");
  const key = join(dir, "webhook.key");
  execFileSync(
    "openssl",
    selfSignedArgs({ commonName: "portico-local-webhook", altNames: ["IP:127.0.0.1"], days: 30, keyType: "ec", keyFile: key, certFile: cert }),
    { stdio: "pipe" },
  );
  return { cert, key };
}

async function waitHealthy(port: number, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Pepr module exited with code ${child.exitCode} during start; see ${logFile}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/healthz", rejectUnauthorized: false, timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Pepr module did not become healthy within ${timeoutMs / 1000} s; see ${logFile}`);
}

/** package.json's pepr.env (what `pepr build` puts into both Deployments), NODE_OPTIONS appended
 * to this process's own. */
export function peprPodEnv(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { pepr?: { env?: Record<string, string> } };
  const env = { ...(pkg.pepr?.env ?? {}) };
  if (env.NODE_OPTIONS && process.env.NODE_OPTIONS) env.NODE_OPTIONS = `${process.env.NODE_OPTIONS} ${env.NODE_OPTIONS}`;
  return env;
}

export async function startPeprModule(opts: PeprProcessOptions): Promise<PeprProcess> {
  mkdirSync(opts.workDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const name = opts.name ?? "portico";
  const apiPath = "portico-local";
  kubectl(
    opts.kubeconfig,
    ["apply", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "pepr-system" } }, PEPR_STORE_CRD] }),
  );
  kubectl(opts.kubeconfig, ["wait", "--for=condition=Established", "crd/peprstores.pepr.dev", "--timeout=30s"]);
  const { cert, key } = generateCertificate(opts.workDir);
  const caPem = readFileSync(cert, "utf8");
  const logFile = join(opts.workDir, "pepr.log");
  const out = openSync(logFile, "a");
  const podEnv = peprPodEnv();
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src/local/pepr-main.ts")], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      KUBECONFIG: opts.kubeconfig,
      PEPR_MODE: "dev",
      PEPR_API_PATH: apiPath,
      SSL_KEY_PATH: key,
      SSL_CERT_PATH: cert,
      PORTICO_PEPR_PORT: String(port),
      PEPR_PRETTY_LOG: "false",
      // The environment the chart gives the Pepr pods (package.json pepr.env): a V8 heap bounded
      // for the pods' memory limit (NODE_OPTIONS, added to the caller's) and watches that never
      // give up retrying: Pepr gives a watch up after PEPR_RESYNC_FAILURE_MAX (5) failed resyncs
      // and ends the process, which in a cluster the Deployment restarts, and here nothing would
      // (e2e/watch-gaps.test.ts).
      ...podEnv,
      ...opts.env,
    },
    stdio: ["ignore", out, out],
  });
  const stopChild = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitHealthy(port, child, logFile, 60_000);
  } catch (err) {
    await stopChild();
    throw err;
  }
  const caBundle = Buffer.from(caPem).toString("base64");
  const webhook = (type: "mutate" | "validate") => ({
    name: `${name}.portico.dev`,
    admissionReviewVersions: ["v1"],
    clientConfig: { url: `https://127.0.0.1:${port}/${type}/${apiPath}`, caBundle },
    failurePolicy: opts.failurePolicy ?? "Fail",
    matchPolicy: "Equivalent",
    timeoutSeconds: opts.timeoutSeconds ?? 10,
    namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "pepr-system"] }] },
    rules: webhookRules(opts.capabilities, type === "mutate"),
    sideEffects: "None",
  });
  const configs = [];
  const mutating = webhook("mutate");
  const validating = webhook("validate");
  if (mutating.rules.length)
    configs.push({ apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", metadata: { name }, webhooks: [mutating] });
  if (validating.rules.length)
    configs.push({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", metadata: { name }, webhooks: [validating] });
  const manifest = JSON.stringify({ apiVersion: "v1", kind: "List", items: configs });
  writeFileSync(join(opts.workDir, "webhooks.json"), manifest);
  if (configs.length) kubectl(opts.kubeconfig, ["apply", "-f", "-"], manifest);
  return {
    port,
    caPem,
    logFile,
    child,
    async stop() {
      try {
        kubectl(opts.kubeconfig, [
          "delete",
          `mutatingwebhookconfiguration/${name}`,
          `validatingwebhookconfiguration/${name}`,
          "--ignore-not-found",
          "--wait=false",
        ]);
      } catch {
        // the cluster may already be gone; the process must still stop
      }
      await stopChild();
    },
  };
}
