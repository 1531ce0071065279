// The default-backend image's nginx.conf, run for real (as the image would, on another port).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../testing/ports.js";

test("default backend: 404 page for everything, 200 on /healthz, nothing written outside /tmp-like dirs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "portico-db-"));
  const port = await freePort();
  const conf = readFileSync(new URL("../../images/default-backend/nginx.conf", import.meta.url), "utf8")
    .replaceAll("/tmp/", `${dir}/`)
    .replace("listen 8080 default_server;", `listen 127.0.0.1:${port} default_server;`)
    .replace("listen [::]:8080 default_server;", "");
  writeFileSync(join(dir, "nginx.conf"), conf);
  const nginx = spawn("/usr/sbin/nginx", ["-e", "stderr", "-p", `${dir}/`, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: "ignore" });
  after(() => {
    nginx.kill("SIGQUIT");
    rmSync(dir, { recursive: true, force: true });
  });
  let health: Response | undefined;
  for (let i = 0; i < 50 && !health; i++) {
    health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (!health) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(health?.status, 200);
  assert.equal(await health!.text(), "ok\n");
  for (const path of ["/", "/some/app", "/healthz/x"]) {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { host: "anything.example" } });
    assert.equal(r.status, 404, path);
    assert.match(await r.text(), /No Ingress matches this request/);
    assert.equal(r.headers.get("server"), "nginx", "no version in Server");
  }
});
