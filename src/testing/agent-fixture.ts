// An Agent on a temporary prefix with free ports, for tests and benchmarks. stop() quits nginx and
// removes the prefix.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, type AgentOptions } from "../agent/agent.js";
import { freePorts } from "./ports.js";

export interface AgentFixture {
  agent: Agent;
  prefix: string;
  httpPort: number;
  httpsPort: number;
  controlPort: number;
  stop(): Promise<void>;
}

export async function startAgentFixture(options: Partial<AgentOptions> = {}): Promise<AgentFixture> {
  const prefix = mkdtempSync(join(tmpdir(), "portico-agent-"));
  const [httpPort, httpsPort, controlPort] = await freePorts(3);
  const agent = new Agent({
    prefix,
    controlPort,
    reloadTimeoutMs: 10_000,
    restartBackoffMs: { min: 50, max: 1000 },
    ...options,
  });
  await agent.start();
  return {
    agent,
    prefix,
    httpPort,
    httpsPort,
    controlPort,
    async stop() {
      try {
        await agent.stop(3000);
      } finally {
        if (!process.env.PORTICO_KEEP_PREFIX) rmSync(prefix, { recursive: true, force: true });
      }
    },
  };
}
