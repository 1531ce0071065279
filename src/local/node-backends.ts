// Backends as users have them on the local node: Deployments of the echo image behind Services with
// selectors (the real endpointslice controller writes their slices), requests to the in-cluster nginx
// through its NodePorts on the node address, and a load loop that counts failed requests.
import http from "node:http";
import { PORTICO_IMAGES } from "../api/images.js";
import { NODE } from "./cluster/index.js";
import { request, type Answer } from "./http.js";
import { NODE_PORTS } from "./node-install.js";

export function echoBackend(namespace: string, name: string, opts: { replicas?: number } = {}): object[] {
  const labels = { app: name };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace, labels },
      spec: {
        replicas: opts.replicas ?? 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 10,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "echo",
                image: PORTICO_IMAGES.echo,
                imagePullPolicy: "IfNotPresent",
                env: [
                  { name: "SERVICE_NAME", value: `${namespace}/${name}` },
                  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                ],
                ports: [{ name: "http", containerPort: 8080 }],
                readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 2 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace },
      spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
    },
  ];
}

/** A request to the in-cluster nginx through its NodePort (Host header and SNI set to `host`). */
export function nodeGet(host: string, path = "/", opts: { https?: boolean; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  return request({
    address: NODE.ip,
    port: opts.https ? NODE_PORTS.https : NODE_PORTS.http,
    host,
    path,
    https: opts.https,
    headers: opts.headers,
    timeoutMs: opts.timeoutMs,
  });
}

export function curlLine(host: string, path: string, https: boolean): string {
  return https
    ? `curl -sk --resolve ${host}:${NODE_PORTS.https}:${NODE.ip} https://${host}:${NODE_PORTS.https}${path}`
    : `curl -s -H 'Host: ${host}' http://${NODE.ip}:${NODE_PORTS.http}${path}`;
}

export interface LoadResult {
  requests: number;
  failed: number;
  /** The first few failures (status or error), for the assertion message. */
  failures: string[];
  /** Which pods answered, with counts. */
  pods: Map<string, number>;
  /** Duration of the slowest request (ms). */
  maxMs: number;
  /**
   * Requests sent again, once, because nginx closed the idle keep-alive connection they were sent on
   * before answering (it does so for every idle connection when a worker exits: on a reload and on
   * the graceful quit after preStop). HTTP clients do this (RFC 9112 9.3.1; browsers, Go's
   * net/http); Node's http.Agent does not, so the load does it as Node's docs recommend.
   */
  retriedOnReusedConnection: number;
}

/**
 * Sends GETs to `host` through the NodePort from `concurrency` keep-alive connections until stop()
 * is called; a request fails when it errors, times out (30 s) or answers other than 200. The slowest
 * request's duration is kept: nginx's connect timeout (5 s) to a pod whose network is already gone,
 * then a retry on another pod, shows there.
 */
export function continuousLoad(host: string, opts: { concurrency?: number; path?: string } = {}): { stop(): Promise<LoadResult> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 4 });
  const result: LoadResult = { requests: 0, failed: 0, failures: [], pods: new Map(), maxMs: 0, retriedOnReusedConnection: 0 };
  let running = true;
  const one = (retry = false): Promise<void> =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      let answered = false;
      const done = () => {
        result.maxMs = Math.max(result.maxMs, performance.now() - started);
        resolve();
      };
      const req = http.get({ host: NODE.ip, port: NODE_PORTS.http, path: opts.path ?? "/", headers: { host }, agent, timeout: 30_000 }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          result.requests++;
          if (res.statusCode !== 200) {
            result.failed++;
            if (result.failures.length < 10) result.failures.push(`HTTP ${res.statusCode}`);
          } else {
            try {
              const pod = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { pod?: string }).pod ?? "?";
              result.pods.set(pod, (result.pods.get(pod) ?? 0) + 1);
            } catch {}
          }
          done();
        });
        res.on("error", (e) => fail(e.message, done));
      });
      req.on("timeout", () => req.destroy(new Error("timeout after 30 s")));
      req.on("error", (e: NodeJS.ErrnoException) => {
        // Closed before any byte of an answer, on a connection that had served a request: the
        // keep-alive close race, not a failure of the data plane. Counted, and sent once more.
        if (!retry && !answered && req.reusedSocket && (e.code === "ECONNRESET" || e.message === "socket hang up")) {
          result.retriedOnReusedConnection++;
          void one(true).then(resolve);
          return;
        }
        fail(e.message, done);
      });
    });
  const fail = (why: string, resolve: () => void) => {
    result.requests++;
    result.failed++;
    if (result.failures.length < 10) result.failures.push(why);
    resolve();
  };
  const workers = Array.from({ length: opts.concurrency ?? 4 }, async () => {
    while (running) await one();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      agent.destroy();
      return result;
    },
  };
}
