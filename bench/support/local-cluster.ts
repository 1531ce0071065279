// What the cluster benchmarks (bench:e2e, bench:scale) share: writes straight to the API server,
// the scale population (N Ingresses of two paths, the first T with a TLS Secret of their own) created
// in parallel, waiting for the controller to settle, and the memory of local processes.
import { readFileSync } from "node:fs";
import https from "node:https";
import { loadavg } from "node:os";
import { endpointSliceManifest, ingressManifest, prefixRule } from "../../src/local/backends.js";
import { nginxPids, reloadedBetween } from "../../e2e/support/nginx-pids.js";
import type { PorticoEnv } from "../../src/local/portico-env.js";
import { makeCert, tlsSecret } from "../../src/admission/testing/certs.js";

export const NS = "bench";

export async function until(check: () => Promise<boolean>, timeoutMs = 60_000, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Whether `wait` finished (false when it timed out): a benchmark records a timeout and goes on. */
export async function within(wait: Promise<void>): Promise<boolean> {
  try {
    await wait;
    return true;
  } catch (err) {
    if (err instanceof Error && err.message === "timed out") return false;
    throw err;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const apiAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

/** Server-side apply straight to the API server (what `kubectl apply --server-side` sends, without
 * a kubectl process start in the measurement). `path` is the object's own URL path. */
export function serverSideApply(env: PorticoEnv, path: string, obj: object): Promise<void> {
  const url = new URL(`${path}?fieldManager=bench&force=true`, env.cluster.server);
  const body = JSON.stringify(obj);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "PATCH",
        ca: env.cluster.caPem,
        agent: apiAgent,
        headers: { authorization: `Bearer ${env.cluster.adminToken}`, "content-type": "application/apply-patch+yaml" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          res.statusCode === 200 || res.statusCode === 201
            ? resolve()
            : reject(new Error(`apply ${path}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString("utf8").slice(0, 300)}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The URL path of a namespaced object of the kinds the benchmarks write. */
export function objectPath(obj: { kind: string; metadata: { namespace?: string; name: string } }): string {
  const ns = obj.metadata.namespace ?? "default";
  const where: Record<string, string> = {
    Ingress: `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`,
    Secret: `/api/v1/namespaces/${ns}/secrets`,
    ConfigMap: `/api/v1/namespaces/${ns}/configmaps`,
    Service: `/api/v1/namespaces/${ns}/services`,
    EndpointSlice: `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
  };
  const base = where[obj.kind];
  if (!base) throw new Error(`objectPath: no path for kind ${obj.kind}`);
  return `${base}/${obj.metadata.name}`;
}

export function applyObject(env: PorticoEnv, obj: { kind: string; metadata: { namespace?: string; name: string } }): Promise<void> {
  return serverSideApply(env, objectPath(obj), obj);
}

/** Applies objects with `concurrency` requests in flight (each passes the admission webhook; one
 * at a time, as `kubectl apply` of a List does, 10,000 took longer than the benchmark's budget). */
export async function applyAll(env: PorticoEnv, objects: { kind: string; metadata: { namespace?: string; name: string } }[], concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const obj = objects[next++]!;
      for (let attempt = 1; ; attempt++) {
        try {
          await applyObject(env, obj);
          break;
        } catch (err) {
          // A webhook or API timeout under load (HTTP 5xx, 429, a dropped connection) is retried;
          // a refusal (4xx) or a failure that persists is not hidden.
          const status = Number(/HTTP (\d+)/.exec(String((err as Error).message))?.[1] ?? 0);
          if ((status >= 400 && status < 500 && status !== 429) || attempt >= 30) throw err;
          await sleep(Math.min(5000, 500 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export const scaleHost = (i: number) => `app-${i}.bench.example`;

/** Ingress app-<i>: host app-<i>.bench.example, paths / and /api to Service web, TLS (Secret tls-<i>)
 * when `tls`. */
export function scaleIngress(i: number, tls: boolean) {
  const host = scaleHost(i);
  return ingressManifest(NS, `app-${i}`, {
    rules: [
      prefixRule(host, [
        ["/", "web"],
        ["/api", "web"],
      ]),
    ],
    ...(tls ? { tls: [{ hosts: [host], secretName: `tls-${i}` }] } : {}),
  });
}

export interface ScalePopulation {
  ingresses: number;
  paths: number;
  tlsSecrets: number;
  createSeconds: number;
  /** null: the last Ingress did not answer within the timeout (the figures after it still run). */
  convergeSeconds: number | null;
}

/** Creates Ingresses app-<from>..app-<to - 1> (two paths each; those below `tls` with their own TLS
 * Secret, created first) and waits until the last one answers. */
export async function createScale(
  env: PorticoEnv,
  opts: { from: number; to: number; tls: number; concurrency?: number; convergeTimeoutMs?: number; progress?: (line: string) => void },
): Promise<ScalePopulation> {
  const t0 = performance.now();
  const cert = makeCert({ dnsNames: ["*.bench.example"] });
  const secrets = [];
  for (let i = opts.from; i < Math.min(opts.tls, opts.to); i++) secrets.push(tlsSecret(NS, `tls-${i}`, cert));
  await applyAll(env, secrets, opts.concurrency);
  const all = [];
  for (let i = opts.from; i < opts.to; i++) all.push(scaleIngress(i, i < opts.tls));
  const step = 1000;
  for (let s = 0; s < all.length; s += step) {
    await applyAll(env, all.slice(s, s + step), opts.concurrency);
    opts.progress?.(
      `  created ${opts.from + Math.min(all.length, s + step)} / ${opts.to} Ingresses (${((performance.now() - t0) / 1000).toFixed(0)} s, load ${loadAverage()})`,
    );
  }
  const created = performance.now();
  const last = scaleHost(opts.to - 1);
  const converged = await within(until(async () => (await env.get(last, "/api")).status === 200, opts.convergeTimeoutMs ?? 1_200_000, 500));
  return {
    ingresses: opts.to - opts.from,
    paths: 2 * (opts.to - opts.from),
    tlsSecrets: secrets.length,
    createSeconds: Math.round((created - t0) / 1000),
    convergeSeconds: converged ? Math.round((performance.now() - t0) / 1000) : null,
  };
}

export interface RebuildLine {
  durationMs: number;
  heapUsedMiB?: number;
  heapTotalMiB?: number;
  externalMiB?: number;
  rssMiB?: number;
  statusWrites?: number;
}

export function rebuildLines(env: PorticoEnv): RebuildLine[] {
  return readFileSync(env.mode.pepr.logFile, "utf8")
    .split("\n")
    .filter((l) => l.includes('"rebuild done"'))
    .map((l) => JSON.parse(l) as RebuildLine);
}

/** Waits until the controller has not rebuilt for `quietMs` (its status writes and the agent's
 * reports have settled), at most `timeoutMs`. Returns the last rebuild. */
export async function settle(env: PorticoEnv, quietMs = 10_000, timeoutMs = 300_000): Promise<RebuildLine | undefined> {
  const deadline = Date.now() + timeoutMs;
  let count = rebuildLines(env).length;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(1000);
    const now = rebuildLines(env).length;
    if (now !== count) {
      count = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) break;
  }
  return rebuildLines(env).at(-1);
}

export function procStatusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

export const rssMiB = (pid: number) => procStatusKiB(pid, "VmRSS") / 1024;
export const peakRssMiB = (pid: number) => procStatusKiB(pid, "VmHWM") / 1024;

export function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
}

/** Applies a one-path Ingress (host -> Service web) and measures until it answers 200. `via`:
 * "kubectl" (`kubectl apply`, what a user types, its start-up included) or "api" (server-side
 * apply straight to the API server). Returns null when it did not answer within timeoutMs. */
export async function applyTo200(env: PorticoEnv, name: string, host: string, via: "kubectl" | "api", timeoutMs = 120_000): Promise<number | null> {
  const manifest = ingressManifest(NS, name, { rules: [prefixRule(host, [["/", "web"]])] });
  const t0 = performance.now();
  if (via === "kubectl") await env.cluster.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(manifest) });
  else await applyObject(env, manifest);
  const answered = await within(until(async () => (await env.get(host, "/")).status === 200, timeoutMs));
  return answered ? performance.now() - t0 : null;
}

export interface Backend {
  ip: string;
  pod: { name: string };
}

/** Moves Service web's EndpointSlice between backends `changes` times (server-side apply to the
 * API) and measures until `host` answers from the new one; also whether nginx reloaded meanwhile. */
export async function endpointShifts(
  env: PorticoEnv,
  host: string,
  backends: [Backend, Backend],
  changes: number,
  timeoutMs = 60_000,
): Promise<{ samples: number[]; timeouts: number; reloaded: boolean }> {
  const samples: number[] = [];
  let timeouts = 0;
  const before = nginxPids(env.mode.nginxPrefix);
  for (let i = 0; i < changes; i++) {
    const target = backends[i % 2 === 0 ? 1 : 0];
    const t0 = performance.now();
    await applyObject(env, endpointSliceManifest(NS, "web", [{ ip: target.ip }]));
    if (await within(until(async () => (await env.get(host, "/")).json?.pod === target.pod.name, timeoutMs))) samples.push(performance.now() - t0);
    else timeouts++;
  }
  return { samples, timeouts, reloaded: reloadedBetween(before, nginxPids(env.mode.nginxPrefix)) };
}
