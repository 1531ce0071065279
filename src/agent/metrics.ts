// Prometheus metrics of the agent (prom-client), on their own registry so several agents can live in
// one process (tests) without clashing.
import { Counter, Gauge, Registry } from "prom-client";

export interface AgentMetrics {
  registry: Registry;
  reloads: Counter;
  reloadErrors: Counter;
  configHashInfo: Gauge<"hash">;
  endpointUpdates: Counter;
  endpointUpdateErrors: Counter;
  certificateUpdates: Counter;
  certificateUpdateErrors: Counter;
  nginxRestarts: Counter;
  nginxUp: Gauge;
  lastApplySeconds: Gauge;
  lastApplyTimestamp: Gauge;
}

export function createAgentMetrics(registry = new Registry()): AgentMetrics {
  const r = [registry];
  return {
    registry,
    reloads: new Counter({ name: "portico_agent_reloads_total", help: "Successful nginx reloads", registers: r }),
    reloadErrors: new Counter({
      name: "portico_agent_reload_errors_total",
      help: "Configurations refused (nginx -t failed) or reloads that did not take effect",
      registers: r,
    }),
    configHashInfo: new Gauge({
      name: "portico_agent_config_hash_info",
      help: "Hash of the nginx configuration being served (value 1)",
      labelNames: ["hash"],
      registers: r,
    }),
    endpointUpdates: new Counter({
      name: "portico_agent_endpoint_updates_total",
      help: "Endpoint sets pushed to nginx shared memory (no reload)",
      registers: r,
    }),
    endpointUpdateErrors: new Counter({
      name: "portico_agent_endpoint_update_errors_total",
      help: "Endpoint pushes refused by nginx",
      registers: r,
    }),
    certificateUpdates: new Counter({
      name: "portico_agent_certificate_updates_total",
      help: "Certificate sets pushed to nginx shared memory (no reload)",
      registers: r,
    }),
    certificateUpdateErrors: new Counter({
      name: "portico_agent_certificate_update_errors_total",
      help: "Certificate pushes refused by nginx, or certificates nginx could not parse",
      registers: r,
    }),
    nginxRestarts: new Counter({
      name: "portico_agent_nginx_restarts_total",
      help: "Times nginx died unexpectedly and was started again",
      registers: r,
    }),
    nginxUp: new Gauge({ name: "portico_agent_nginx_up", help: "1 when the nginx master runs", registers: r }),
    lastApplySeconds: new Gauge({
      name: "portico_agent_last_apply_seconds",
      help: "Duration of the last apply of a desired state, in seconds",
      registers: r,
    }),
    lastApplyTimestamp: new Gauge({
      name: "portico_agent_last_apply_timestamp_seconds",
      help: "Unix time of the last completed apply",
      registers: r,
    }),
  };
}
