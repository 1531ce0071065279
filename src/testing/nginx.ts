// A plain nginx from a config text, on a temporary prefix (benchmark baselines, fast backends).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitForPort } from "./ports.js";

export interface PlainNginx {
  prefix: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `nginx -g "daemon off;"` with `conf` (paths relative to the prefix); waits for `waitFor`. */
export async function startPlainNginx(conf: string, waitFor: { host: string; port: number }): Promise<PlainNginx> {
  const prefix = mkdtempSync(join(tmpdir(), "portico-nginx-"));
  for (const d of ["conf", "logs", "tmp"]) mkdirSync(join(prefix, d));
  writeFileSync(join(prefix, "conf", "nginx.conf"), conf);
  const child = spawn("/usr/sbin/nginx", ["-p", `${prefix}/`, "-c", join(prefix, "conf", "nginx.conf"), "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    await Promise.race([waitForPort(waitFor.host, waitFor.port), exited.then(() => Promise.reject(new Error(`nginx exited: ${err}`)))]);
  } catch (e) {
    rmSync(prefix, { recursive: true, force: true });
    throw e;
  }
  return {
    prefix,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGQUIT");
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** Temp paths inside the prefix (Debian's compiled-in ones are outside it), for hand-written configs. */
export const NGINX_TEMP_PATHS = `  client_body_temp_path tmp/client_body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;`;

/** A tiny, fast backend: nginx answering 200 with a fixed body (so the proxy is what is measured). */
export function returnOkConfig(host: string, port: number, workers = 1): string {
  return `worker_processes ${workers};
pid nginx.pid;
error_log logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
${NGINX_TEMP_PATHS}
  keepalive_requests 100000;
  server {
    listen ${host}:${port};
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}
`;
}
