// Free loopback ports for cluster components. A port is probed by binding it; the component binds it
// again moments later, so a rare race with another process is possible and the launcher retries.
import { createServer } from "node:net";
import { ClusterError } from "./errors.js";

/** Binds `port` (0 = any) on 127.0.0.1 and releases it; resolves the bound port or null when busy. */
export function probePort(port: number, host = "127.0.0.1"): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(null));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const bound = typeof addr === "object" && addr ? addr.port : null;
      srv.close(() => resolve(bound));
    });
  });
}

/** A TCP port that is free on `host` right now (the OS picks it). The one freePort: tests get it
 * through src/testing/ports.ts. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const p = await probePort(0, host);
  if (p === null) throw new ClusterError(`cannot find a free port on ${host}`);
  return p;
}

/** `count` distinct free ports on `host`. */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

export async function assertPortFree(port: number, what: string): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ClusterError(`${what} port "${port}" is not a port number (1-65535)`);
  if ((await probePort(port)) === null)
    throw new ClusterError(`port ${port} on 127.0.0.1 (${what}) is in use by another process; stop it or choose another port`);
}
