// nginx in another container of the pod (external mode): images/nginx/portico-nginx-run starts it
// once conf/current/nginx.conf exists, and reloads it when a line arrives on the reload FIFO. The
// agent cannot signal it (other PID namespace, and the nginx container must stay token-free), so:
//   start()   waits until the control server answers
//   reload()  writes "reload\n" to the FIFO
//   running   whether the control server answered the last poll (every pollMs)
// Restart supervision (the kubelet restarts the container; this notices): a poll that finds nginx
// unreachable reports it lost; a poll that finds it back, or finds its shared dicts emptied or its
// generation counted from 1 again (restarted between two polls), reports it fresh.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { ControlClient, ControlState } from "./control-client.js";
import type { Logger } from "../log.js";
import { testNginxConfig, type ConfigTestResult, type NginxHandle, type NginxLifecycle } from "./nginx-handle.js";

export interface ExternalNginxOptions {
  nginxBinary: string;
  prefix: string;
  /** FIFO portico-nginx-run reads reload requests from (it holds it open read-write). */
  reloadFifo: string;
  control: ControlClient;
  logger: Logger;
  /** How long start() waits for nginx to answer, and how long a reload request may wait for a reader. */
  timeoutMs: number;
  /** Interval of the control-server poll once started. */
  pollMs?: number; // default 2000
  /** Hashes of what the Agent pushed into the shared dicts ("" = nothing): a fresh nginx has empty ones. */
  pushedHashes: () => { endpoints: string; certificates: string };
  lifecycle?: NginxLifecycle;
}

/** nginx did not answer: not a fault of the config (its container is starting or restarting). */
export class NginxUnavailableError extends Error {}

export const EXTERNAL_POLL_MS = 2000;
const RELOAD_LINE = "reload\n";

export class ExternalNginx implements NginxHandle {
  private up = false;
  private lastProblem = "";
  private pollTimer: NodeJS.Timeout | null = null;
  private watching = false;
  /** Seen unreachable since the last fresh(): the next answer means a fresh nginx. */
  private lost = false;
  private lastGeneration = 0;
  /** fresh() was reported and the Agent's push has not reached nginx yet: its dicts are still
   * empty, which is no second restart. */
  private awaitingPush = false;
  /** start() is waiting for the first answer: a poll meanwhile is that answer, not a comeback. */
  private starting = false;

  constructor(private readonly opts: ExternalNginxOptions) {}

  get restartPending(): boolean {
    return false;
  }

  get running(): boolean {
    return this.up;
  }
  get pid(): number | undefined {
    return undefined;
  }
  get output(): string {
    return this.lastProblem;
  }

  async test(confPath: string, timeoutMs: number): Promise<ConfigTestResult> {
    return await testNginxConfig(this.opts.nginxBinary, this.opts.prefix, confPath, timeoutMs);
  }

  /** Waits until the control server answers; keeps watching it afterwards (also after a timeout). */
  async start(): Promise<undefined> {
    this.watch();
    this.starting = true;
    try {
      await this.opts.control.waitFor(() => true, this.opts.timeoutMs, "nginx (external) to answer on the control server");
    } catch (e) {
      this.lastProblem = (e as Error).message;
      throw new NginxUnavailableError(`${this.lastProblem}; is the nginx container (portico-nginx-run) running?`);
    } finally {
      this.starting = false;
    }
    this.up = true;
    this.lastProblem = "";
    return undefined;
  }

  /** Writes one reload request into the FIFO, retrying while nobody reads it yet. */
  async reload(): Promise<void> {
    const fifo = this.opts.reloadFifo;
    const deadline = Date.now() + this.opts.timeoutMs;
    for (;;) {
      let reason: string;
      try {
        await writeFifoLine(fifo, RELOAD_LINE);
        return;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // O_NONBLOCK: ENXIO = no reader has the FIFO open, EAGAIN = its buffer is full (reader stuck).
        if (code === "ENXIO") reason = "no reader (portico-nginx-run is not listening on it)";
        else if (code === "EAGAIN") reason = "FIFO full (portico-nginx-run is not reading it)";
        else if (code === "ENOENT") reason = "FIFO does not exist (portico-nginx-run creates it)";
        else throw new Error(`reload request to ${fifo}: ${(e as Error).message}`);
      }
      if (Date.now() > deadline) throw new Error(`reload request to ${fifo} not delivered after ${this.opts.timeoutMs} ms: ${reason}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops watching; the nginx container drains and stops on its own SIGTERM. */
  async stop(): Promise<void> {
    this.watching = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.up = false;
  }

  workerPids(): number[] {
    return [];
  }

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.schedule();
  }

  private schedule(): void {
    if (!this.watching) return;
    this.pollTimer = setTimeout(() => void this.poll(), this.opts.pollMs ?? EXTERNAL_POLL_MS);
    this.pollTimer.unref();
  }

  /** A fresh nginx has empty shared dicts (hashes dropped to "") or a lower generation (counted
   * from 1 again), or answers again after it was unreachable. */
  private noticeRestart(st: ControlState, wasRunning: boolean): void {
    const generationDropped = this.lastGeneration > 0 && st.generation < this.lastGeneration;
    this.lastGeneration = st.generation;
    const pushed = this.opts.pushedHashes();
    const empty = (pushed.endpoints !== "" && st.endpointsHash === "") || (pushed.certificates !== "" && st.certificatesHash === "");
    if (!empty) this.awaitingPush = false;
    const dictsEmptied = empty && !this.awaitingPush;
    const cameBack = !wasRunning;
    if (!dictsEmptied && !generationDropped && !cameBack) return;
    const unseenRestart = !this.lost && (dictsEmptied || generationDropped);
    this.lost = false;
    this.awaitingPush = true;
    this.opts.logger.warn("nginx (external) answers again or was restarted; pushing endpoints and certificates", {
      generation: st.generation,
      dictsEmptied,
      generationDropped,
      cameBack,
    });
    this.opts.lifecycle?.fresh(unseenRestart);
  }

  private async poll(): Promise<void> {
    try {
      const state = await this.opts.control.state();
      if (!this.watching) return;
      const was = this.up || this.starting;
      this.up = true;
      this.lastProblem = "";
      this.noticeRestart(state, was);
    } catch (e) {
      if (!this.watching) return;
      this.lastProblem = (e as Error).message;
      if (this.up) {
        this.up = false;
        this.lost = true;
        this.opts.logger.warn("nginx stopped answering on the control server", { error: this.lastProblem });
        this.opts.lifecycle?.lost(`nginx stopped answering on the control server (its container restarting?): ${this.lastProblem}`);
      }
    } finally {
      this.schedule();
    }
  }
}

/** One write of `line` (shorter than PIPE_BUF, so atomic) into a FIFO opened non-blocking. */
async function writeFifoLine(path: string, line: string): Promise<void> {
  const fh = await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    if (!(await fh.stat()).isFIFO()) throw new Error(`${path} is not a FIFO`);
    await fh.write(line);
  } finally {
    await fh.close();
  }
}
