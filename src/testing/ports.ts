// Free TCP ports chosen at runtime, so tests never collide with each other or use privileged ports
// (the launcher's freePort, src/local/cluster/ports.ts), and waiting for a listener.
import net from "node:net";

export { freePort, freePorts } from "../local/cluster/ports.js";

/** Waits until something accepts TCP connections on host:port. */
export async function waitForPort(host: string, port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
