// The agent process: `tsx src/agent/main.ts --source file:<dir>|api:<ns>/<controller> ...`.
// Runs nginx as its child (or, with --nginx-mode external, drives the nginx that portico-nginx-run
// runs in the pod's other container), applies every desired state the source delivers, serves metrics, and on
// SIGTERM/SIGINT stops nginx gracefully (SIGQUIT: in-flight requests finish) before exiting (in
// external mode the nginx container drains on its own SIGTERM).
import { Agent } from "./agent.js";
import { ApiSource } from "./api-source.js";
import { FileSource } from "./file-source.js";
import { logger } from "../log.js";
import { stdoutOpenableByPath } from "./nginx-handle.js";
import { startMetricsServer, startStatusServer } from "./metrics-server.js";
import { parseCli, USAGE } from "./options.js";
import type { DesiredStateSource } from "./source.js";
import { StatusReporter } from "./status-report.js";

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const log = logger("agent");
  const src = opts.source;
  const reporter =
    src.kind === "api"
      ? new StatusReporter(src.namespace, src.name, (err) => log.warn("could not report status on the IngressController", { error: err.message }))
      : undefined;
  const agent = new Agent({
    prefix: opts.prefix,
    confDir: opts.confDir,
    nginxBinary: opts.nginx,
    controlPort: opts.controlPort,
    nginxMode: opts.nginxMode,
    reloadFifo: opts.reloadFifo,
    configTestTimeoutMs: opts.configTestTimeoutMs,
    reloadTimeoutMs: opts.reloadTimeoutMs,
    ...(opts.nginxTempDir ? { nginxTempDir: opts.nginxTempDir } : {}),
    // The access log (nginx's stdout) joins the agent's stdout; the agent logs to stderr.
    nginxStdout: stdoutOpenableByPath() ? "inherit" : "ignore",
    logger: log,
    onStatus: (s) => {
      log.debug("status", { status: s });
      reporter?.report(s);
    },
  });
  if (!stdoutOpenableByPath()) log.warn("stdout is a socket, which nginx cannot open: the access log is discarded");
  await agent.start();
  const source: DesiredStateSource =
    opts.source.kind === "file" ? new FileSource(opts.source.dir) : new ApiSource(opts.source.namespace, opts.source.name, { logger: log });
  const metrics = opts.metricsPort ? await startMetricsServer(agent, opts.metricsPort, opts.metricsAddress) : null;
  const statusServer = opts.statusPort ? await startStatusServer(agent, opts.statusPort) : null;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    await source.stop().catch(() => undefined);
    reporter?.stop();
    await agent.stop();
    metrics?.close();
    statusServer?.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  log.info("watching desired state", { source: source.description, prefix: opts.prefix, metricsPort: opts.metricsPort });
  await source.start(
    (state) => {
      log.info("desired state received", { hashes: state.hashes });
      void agent.apply(state).then((s) => {
        if (s.lastError) log.warn("applied with an error", { lastError: s.lastError });
        else log.info("applied", { hashes: s.appliedHashes, reloads: s.reloads });
      });
    },
    (err) => log.error("desired state source error", { source: source.description, error: err.message }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
