// Echo backends (src/local/cluster/echo-server.mjs) as child processes on 127.0.0.x, for tests and benchmarks.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.js";

const ECHO_SERVER = fileURLToPath(new URL("../local/cluster/echo-server.mjs", import.meta.url));

export interface EchoOptions {
  host?: string; // default 127.0.0.1
  port?: number; // default: a free port
  service?: string;
  pod?: string;
  /** Serve HTTPS with these PEM files. */
  tls?: { certFile: string; keyFile: string };
}

export interface EchoBackend {
  host: string;
  port: number;
  pod: string;
  service: string;
  stop(): Promise<void>;
}

/** What an echo backend answers (JSON body). */
export interface EchoReply {
  service: string;
  pod: string;
  path: string;
  host: string;
  method: string;
  proto: string;
  headers: Record<string, string>;
  bodyLength: number;
}

export async function startEcho(opts: EchoOptions = {}): Promise<EchoBackend> {
  const host = opts.host ?? "127.0.0.1";
  const port = opts.port ?? (await freePort(host));
  const service = opts.service ?? "default/echo";
  const pod = opts.pod ?? `${host}:${port}`;
  const args = [ECHO_SERVER, "--host", host, "--port", String(port), "--service", service, "--pod", pod];
  if (opts.tls) args.push("--tls", `${opts.tls.certFile},${opts.tls.keyFile}`);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      if (d.toString().includes("listening")) {
        child.stdout!.off("data", onData);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`echo server ${host}:${port} exited (${code}): ${stderr}`)));
  });
  child.removeAllListeners("exit");
  return {
    host,
    port,
    pod,
    service,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 2000).unref();
      });
    },
  };
}
