// What a reload costs at scale, and how fast a new host answers without one: shared by
// bench/agent-scale.ts and bench:scale (import from here).
//   scaleSnapshot()        N Ingresses of P paths (the first T with TLS), backends on one fast address
//   measureConfigTest()    `nginx -t` of a config, wall time
//   measureReload()        one config change applied by the agent: nginx -t + reload until the new
//                          workers answer, wall time, and the memory of each worker generation
//   generationMemory()     RSS and PSS (shared pages divided among sharers) of a master's workers
//   measureNewHostTo200()  apply -> first 200 of a new plain host, agent side (dynamic routes)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { DesiredState, RenderOptions, Snapshot } from "../../src/core/contract.js";
import type { EndpointSlice, Ingress, Secret, Service } from "../../src/core/k8s-types.js";
import type { Agent } from "../../src/agent/agent.js";
import { build } from "../../src/core/build.js";
import { withDefaults, type Settings } from "../../src/core/settings.js";
import type { TestCertificate } from "../../src/testing/certs.js";
import { request } from "../../src/testing/http.js";

export interface ScaleShape {
  ingresses: number; // 10,000
  pathsPerIngress: number; // 2
  tlsHosts: number; // 2,000 (the first Ingresses)
}

export const ISSUE_SCALE: ScaleShape = { ingresses: 10_000, pathsPerIngress: 2, tlsHosts: 2_000 };

export const scaleHost = (i: number) => `app-${i}.scale.example.com`;

/** One Ingress (host app-<i>..., `/` and /p1.. Prefix paths), its Service and EndpointSlice. */
function scaleObjects(i: number, shape: ScaleShape, backend: { address: string; port: number }, tlsSecret?: string) {
  const name = `app-${i}`;
  const paths = Array.from({ length: shape.pathsPerIngress }, (_, k) => ({
    path: k === 0 ? "/" : `/p${k}`,
    pathType: "Prefix" as const,
    backend: { service: { name, port: { number: 80 } } },
  }));
  const ingress = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "scale", creationTimestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() },
    spec: {
      ingressClassName: "portico",
      ...(tlsSecret ? { tls: [{ hosts: [scaleHost(i)], secretName: tlsSecret }] } : {}),
      rules: [{ host: scaleHost(i), http: { paths } }],
    },
  } as Ingress;
  const service = { metadata: { name, namespace: "scale" }, spec: { ports: [{ port: 80 }] } } as Service;
  const slice = {
    metadata: { name: `${name}-1`, namespace: "scale", labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    ports: [{ name: "", port: backend.port }],
    endpoints: [{ addresses: [backend.address], conditions: { ready: true } }],
  } as EndpointSlice;
  return { ingress, service, slice };
}

/** The scale population plus `extra` more Ingresses (numbered after it) as one snapshot. */
export function scaleSnapshot(
  shape: ScaleShape,
  backend: { address: string; port: number },
  cert: TestCertificate,
  extra = 0,
  settings: Partial<Settings> = {},
): Snapshot {
  const secret: Secret = {
    metadata: { name: "scale-tls", namespace: "scale" },
    type: "kubernetes.io/tls",
    data: { "tls.crt": Buffer.from(cert.certificate).toString("base64"), "tls.key": Buffer.from(cert.key).toString("base64") },
  };
  const ingresses: Ingress[] = [];
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  for (let i = 0; i < shape.ingresses + extra; i++) {
    const o = scaleObjects(i, shape, backend, i < shape.tlsHosts ? "scale-tls" : undefined);
    ingresses.push(o.ingress);
    services.push(o.service);
    endpointSlices.push(o.slice);
  }
  return {
    controller: { namespace: "portico-system", name: "portico", ingressClassNames: ["portico"], servesDefaultClass: false },
    settings: withDefaults({ workerProcesses: 1, accessLog: false, ...settings }),
    ingresses,
    ingressClasses: [],
    services,
    endpointSlices,
    secrets: [secret],
  };
}

export function buildState(snapshot: Snapshot, renderOptions: Partial<RenderOptions>): { state: DesiredState; buildMs: number } {
  const t0 = performance.now();
  const state = build(snapshot, renderOptions).state;
  return { state, buildMs: performance.now() - t0 };
}

/** Wall time of `nginx -t` on a config file (the agent's gate before every reload). */
export function measureConfigTest(confPath: string, prefix: string, nginxBinary = "/usr/sbin/nginx"): number {
  const t0 = performance.now();
  execFileSync(nginxBinary, ["-t", "-q", "-p", `${prefix}/`, "-c", confPath], { stdio: "ignore" });
  return performance.now() - t0;
}

export interface GenerationMemory {
  workers: number;
  /** Sum over the workers of their resident set (shared pages counted in each). */
  rssMiB: number;
  /** Sum over the workers of their proportional set: what this generation adds to the machine. */
  pssMiB: number;
}

function kib(file: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(file, "utf8"));
  return m ? Number(m[1]) : 0;
}

export function processMemory(pid: number): { rssMiB: number; pssMiB: number } {
  try {
    return { rssMiB: kib(`/proc/${pid}/status`, "VmRSS") / 1024, pssMiB: kib(`/proc/${pid}/smaps_rollup`, "Pss") / 1024 };
  } catch {
    return { rssMiB: 0, pssMiB: 0 };
  }
}

export function generationMemory(workerPids: number[]): GenerationMemory {
  let rss = 0;
  let pss = 0;
  for (const pid of workerPids) {
    const m = processMemory(pid);
    rss += m.rssMiB;
    pss += m.pssMiB;
  }
  return { workers: workerPids.length, rssMiB: Math.round(rss), pssMiB: Math.round(pss) };
}

export interface ReloadCost {
  /** apply() of a config-only change: nginx -t + swap + HUP + new workers answering. */
  applyMs: number;
  reloads: number;
  /** The generation before and after, measured once the old one has exited. */
  before: GenerationMemory;
  after: GenerationMemory;
  masterRssMiB: number;
}

/** Applies `state` (a config change) and measures it; waits for the old workers to exit. */
export async function measureReload(agent: Agent, state: DesiredState, settleMs = 30_000): Promise<ReloadCost> {
  const ids = agent.processIds();
  const before = generationMemory(ids.workers);
  const reloads = agent.status().reloads;
  const t0 = performance.now();
  const st = await agent.apply(state);
  const applyMs = performance.now() - t0;
  if (st.lastError) throw new Error(`reload failed: ${st.lastError.message}`);
  const deadline = Date.now() + settleMs;
  let now = agent.processIds().workers;
  while (now.some((p) => ids.workers.includes(p)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    now = agent.processIds().workers;
  }
  return {
    applyMs,
    reloads: st.reloads - reloads,
    before,
    after: generationMemory(now),
    masterRssMiB: Math.round(ids.master ? processMemory(ids.master).rssMiB : 0),
  };
}

/**
 * apply() of `state` (which adds `host`, a plain Ingress) -> its first 200 on 127.0.0.1:httpPort,
 * polled every `pollMs`. Does not wait for the reload that follows.
 */
export async function measureNewHostTo200(
  agent: Agent,
  state: DesiredState,
  host: string,
  httpPort: number,
  timeoutMs = 30_000,
  pollMs = 5,
): Promise<{ ms: number; reloadedBefore: boolean; applied: Promise<unknown> }> {
  const reloads = agent.status().reloads;
  const t0 = performance.now();
  const applied = agent.apply(state);
  for (;;) {
    const r = await request({ port: httpPort, hostHeader: host, timeoutMs: 5000 }).catch(() => undefined);
    if (r?.status === 200) return { ms: performance.now() - t0, reloadedBefore: agent.status().reloads !== reloads, applied };
    if (performance.now() - t0 > timeoutMs) throw new Error(`${host}: no 200 within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, pollMs));
  }
}
