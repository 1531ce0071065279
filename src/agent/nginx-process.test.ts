// NginxProcess (spawn mode: nginx as the agent's child) against the NginxHandle contract.
import { silentLogger } from "../log.js";
import { describeNginxHandle } from "../testing/contracts/nginx-handle.js";
import { AGENT_DEFAULTS } from "./agent.js";
import { NginxProcess } from "./nginx-process.js";

describeNginxHandle("NginxProcess (spawn mode)", async (env) => {
  const handle = new NginxProcess({
    nginxBinary: AGENT_DEFAULTS.nginxBinary,
    prefix: env.prefix,
    testPrefix: env.testPrefix,
    confPath: env.layout.currentConf,
    logger: silentLogger(),
    restartBackoffMs: { min: 50, max: 1000 },
    lifecycle: env.lifecycle,
  });
  return {
    handle,
    crash: async () => void process.kill(handle.pid!, "SIGKILL"),
    shutdown: async () => undefined,
    context: () => handle.output,
    cleanup: async () => await handle.stop(1000),
  };
});
