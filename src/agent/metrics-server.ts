// HTTP server beside the agent: /metrics (Prometheus), /healthz (nginx up), /livez (the agent
// itself answers: a liveness probe that does not depend on nginx), /status (AgentStatus JSON).
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
      } else if (path === "/status") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(agent.status()));
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
