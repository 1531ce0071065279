// HTTP servers beside the agent. The metrics server (a pod port, for Prometheus and the kubelet's
// probes): /metrics, /healthz (nginx up), /livez (the agent itself answers: a liveness probe that
// does not depend on nginx). The status server (/status, AgentStatus JSON: hashes, last error) listens
// on loopback only, so nobody outside the pod reads it.
import http from "node:http";
import type { Agent } from "./agent.js";

export async function startMetricsServer(agent: Agent, port: number, host: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/metrics") {
        res.writeHead(200, { "content-type": agent.metrics.registry.contentType });
        res.end(await agent.metrics.registry.metrics());
      } else if (path === "/healthz") {
        const up = agent.status().nginxRunning;
        res.writeHead(up ? 200 : 503, { "content-type": "text/plain" });
        res.end(up ? "ok\n" : "nginx not running\n");
      } else if (path === "/livez") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok\n");
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found\n");
      }
    })().catch((e) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** Where the status server listens: loopback, never configurable to a pod address. */
export const STATUS_HOST = "127.0.0.1";

export async function startStatusServer(agent: Agent, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/status") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(agent.status()));
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, STATUS_HOST, () => resolve());
  });
  return server;
}
