// The agent's command line: flags override environment variables, which override defaults.
import { parseArgs } from "node:util";
import { AGENT_DEFAULTS } from "./agent.js";
import { NGINX_MODES, type NginxMode } from "./nginx-handle.js";
import { parseTimeoutMs } from "./timeouts.js";

export type SourceSpec = { kind: "file"; dir: string } | { kind: "api"; namespace: string; name: string };

export interface CliOptions {
  prefix: string;
  /** Config directory (default <prefix>/conf): in the pod a volume nginx mounts read-only. */
  confDir?: string;
  source: SourceSpec;
  /** 0 disables the metrics server. */
  metricsPort: number;
  metricsAddress: string;
  /** /status on 127.0.0.1; 0 disables it. */
  statusPort: number;
  controlPort: number;
  nginx: string;
  /** spawn: nginx is the agent's child; external: the pod's nginx container runs it. */
  nginxMode: NginxMode;
  /** Set when nginxMode is external. */
  reloadFifo?: string;
  /** nginx's temp files and pid (<prefix>/tmp becomes a symlink to it); unset: <prefix>/tmp. */
  nginxTempDir?: string;
  /** `nginx -t` limit for a tiny config; each MiB of config adds 30 s (timeouts.ts). */
  configTestTimeoutMs: number;
  /** Reload (and start) limit for a tiny config; grows the same way. */
  reloadTimeoutMs: number;
}

export const CLI_DEFAULTS = {
  prefix: "/var/lib/portico/nginx",
  metricsPort: 10254,
  metricsAddress: "0.0.0.0",
  statusPort: 10255,
  controlPort: AGENT_DEFAULTS.controlPort,
  nginx: AGENT_DEFAULTS.nginxBinary,
  nginxMode: AGENT_DEFAULTS.nginxMode,
  configTestTimeoutMs: AGENT_DEFAULTS.configTestTimeoutMs,
  reloadTimeoutMs: AGENT_DEFAULTS.reloadTimeoutMs,
};

export const USAGE = `usage: agent --source file:<dir>|api:<namespace>/<controller> [options]
  --prefix <dir>          nginx prefix the agent owns      (PORTICO_PREFIX, default ${CLI_DEFAULTS.prefix})
  --conf-dir <dir>        where configs go; nginx reads them  (PORTICO_CONF_DIR, default <prefix>/conf)
  --source <spec>         where the desired state comes from (PORTICO_SOURCE)
  --metrics-port <port>   Prometheus /metrics, /healthz, /livez; 0 = off (PORTICO_METRICS_PORT, default ${CLI_DEFAULTS.metricsPort})
  --metrics-address <ip>  address of the metrics server     (PORTICO_METRICS_ADDRESS, default ${CLI_DEFAULTS.metricsAddress})
  --status-port <port>    /status (JSON) on 127.0.0.1 only; 0 = off (PORTICO_STATUS_PORT, default ${CLI_DEFAULTS.statusPort})
  --control-port <port>   nginx's Lua control server port    (PORTICO_CONTROL_PORT, default ${CLI_DEFAULTS.controlPort})
  --nginx <path>          nginx binary                       (PORTICO_NGINX, default ${CLI_DEFAULTS.nginx})
  --nginx-mode <mode>     spawn: run nginx as a child; external: another container runs it
                          (portico-nginx-run)                 (PORTICO_NGINX_MODE, default ${CLI_DEFAULTS.nginxMode})
  --reload-fifo <path>    external mode: FIFO that portico-nginx-run reads reload requests from
                                                             (PORTICO_RELOAD_FIFO, required in external mode)
  --nginx-temp-dir <dir>  nginx's temp files and pid as nginx sees them (<prefix>/tmp links there)
                                                             (PORTICO_NGINX_TEMP_DIR, default <prefix>/tmp)
  --config-test-timeout <ms>  nginx -t limit for a tiny config, +30 s per MiB of config; past it the
                          config is refused and the running one stays
                                                             (PORTICO_CONFIG_TEST_TIMEOUT, default ${CLI_DEFAULTS.configTestTimeoutMs})
  --reload-timeout <ms>   reload/start limit for a tiny config, +30 s per MiB of config
                                                             (PORTICO_RELOAD_TIMEOUT, default ${CLI_DEFAULTS.reloadTimeoutMs})`;

export function parseSource(spec: string): SourceSpec {
  if (spec.startsWith("file:") && spec.length > 5) return { kind: "file", dir: spec.slice(5) };
  const m = /^api:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(spec);
  if (m) return { kind: "api", namespace: m[1], name: m[3] };
  throw new Error(`--source: expected file:<dir> or api:<namespace>/<controller-name>, got "${spec}"`);
}

function port(v: string, flag: string, allowZero: boolean): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) throw new Error(`${flag}: must be a port number${allowZero ? " (or 0)" : ""}, got "${v}"`);
  return n;
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      prefix: { type: "string" },
      "conf-dir": { type: "string" },
      source: { type: "string" },
      "metrics-port": { type: "string" },
      "metrics-address": { type: "string" },
      "status-port": { type: "string" },
      "control-port": { type: "string" },
      nginx: { type: "string" },
      "nginx-mode": { type: "string" },
      "reload-fifo": { type: "string" },
      "nginx-temp-dir": { type: "string" },
      "config-test-timeout": { type: "string" },
      "reload-timeout": { type: "string" },
    },
    strict: true,
  });
  const source = values.source ?? env.PORTICO_SOURCE;
  if (!source) throw new Error("--source is required");
  const mode = values["nginx-mode"] ?? env.PORTICO_NGINX_MODE ?? CLI_DEFAULTS.nginxMode;
  if (!(NGINX_MODES as readonly string[]).includes(mode)) throw new Error(`--nginx-mode: must be ${NGINX_MODES.join(" or ")}, got "${mode}"`);
  const nginxMode = mode as NginxMode;
  const reloadFifo = values["reload-fifo"] ?? env.PORTICO_RELOAD_FIFO;
  if (nginxMode === "external" && !reloadFifo) throw new Error("--reload-fifo: required with --nginx-mode external (the FIFO portico-nginx-run reads)");
  return {
    prefix: values.prefix ?? env.PORTICO_PREFIX ?? CLI_DEFAULTS.prefix,
    ...((values["conf-dir"] ?? env.PORTICO_CONF_DIR) ? { confDir: values["conf-dir"] ?? env.PORTICO_CONF_DIR } : {}),
    source: parseSource(source),
    metricsPort: port(values["metrics-port"] ?? env.PORTICO_METRICS_PORT ?? String(CLI_DEFAULTS.metricsPort), "--metrics-port", true),
    metricsAddress: values["metrics-address"] ?? env.PORTICO_METRICS_ADDRESS ?? CLI_DEFAULTS.metricsAddress,
    statusPort: port(values["status-port"] ?? env.PORTICO_STATUS_PORT ?? String(CLI_DEFAULTS.statusPort), "--status-port", true),
    controlPort: port(values["control-port"] ?? env.PORTICO_CONTROL_PORT ?? String(CLI_DEFAULTS.controlPort), "--control-port", false),
    nginx: values.nginx ?? env.PORTICO_NGINX ?? CLI_DEFAULTS.nginx,
    nginxMode,
    ...(nginxMode === "external" ? { reloadFifo } : {}),
    ...((values["nginx-temp-dir"] ?? env.PORTICO_NGINX_TEMP_DIR) ? { nginxTempDir: values["nginx-temp-dir"] ?? env.PORTICO_NGINX_TEMP_DIR } : {}),
    configTestTimeoutMs: parseTimeoutMs(
      values["config-test-timeout"] ?? env.PORTICO_CONFIG_TEST_TIMEOUT ?? String(CLI_DEFAULTS.configTestTimeoutMs),
      "--config-test-timeout",
    ),
    reloadTimeoutMs: parseTimeoutMs(values["reload-timeout"] ?? env.PORTICO_RELOAD_TIMEOUT ?? String(CLI_DEFAULTS.reloadTimeoutMs), "--reload-timeout"),
  };
}
