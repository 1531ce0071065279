// Benchmark: what Portico's Lua costs per request. The contract config (src/testing/contract-config.ts)
// with balancer_by_lua only, as HTTP locations render ("balancer"), plus an access_by_lua as
// HTTPS/gRPC locations render ("access"), with a static upstream instead of the balancer
// ("nolua"), and a hand-written minimal proxy, all 1 worker, same
// backend (nginx return 200). Reports nginx worker CPU microseconds per request (from /proc), which
// stays meaningful on a shared, busy machine where req/s does not. Run: npx tsx bench/agent-lua-overhead.ts
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { startPlainNginx, returnOkConfig } from "../src/testing/nginx.js";
import { freePort } from "../src/testing/ports.js";
import { startAgentFixture } from "../src/testing/agent-fixture.js";
import { contractConfig } from "../src/testing/contract-config.js";
import { desiredStateFromParts } from "../src/agent/state-hash.js";
import { childPids } from "../src/agent/nginx-process.js";
const ticks = (pids: number[]) =>
  pids.reduce((t, p) => {
    const f = readFileSync(`/proc/${p}/stat`, "utf8");
    const x = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return t + Number(x[11]) + Number(x[12]);
  }, 0);
const wrk = (port: number, pids: number[]) => {
  const b = ticks(pids);
  const out = execFileSync("wrk", ["-t2", "-c50", "-d3s", `http://127.0.0.1:${port}/`], { encoding: "utf8" });
  const n = Number(/(\d+) requests in/.exec(out)![1]);
  return (((ticks(pids) - b) * 10000) / n).toFixed(1);
};
const bp = await freePort("127.0.0.3");
const backend = await startPlainNginx(returnOkConfig("127.0.0.3", bp, 1), { host: "127.0.0.3", port: bp });
const fxs: Record<string, [number, () => number[]]> = {};
const stops: (() => Promise<void>)[] = [];
for (const variant of ["access", "balancer", "nolua"]) {
  const fx = await startAgentFixture();
  let conf = contractConfig({ httpPort: fx.httpPort, controlPort: fx.controlPort, routes: { "/": "up" }, workers: 1, keepalive: 320 });
  if (variant === "access") conf = conf.replace("  upstream portico_upstream {", "  access_by_lua_block { portico.access() }\n  upstream portico_upstream {");
  if (variant === "nolua") conf = conf.replace(/server 0.0.0.1:1;\n.*balancer_by_lua_block.*\n/, `server 127.0.0.3:${bp};\n`);
  await fx.agent.apply(desiredStateFromParts(conf, { up: [{ address: "127.0.0.3", port: bp }] }, {}, {}));
  fxs[variant] = [fx.httpPort, () => fx.agent.processIds().workers];
  stops.push(() => fx.stop());
}
const mp = await freePort();
const minimal = await startPlainNginx(
  `worker_processes 1; pid nginx.pid; error_log logs/error.log warn; events { worker_connections 16384; }
http { access_log off; proxy_temp_path tmp/proxy; client_body_temp_path tmp/cb; fastcgi_temp_path tmp/f; uwsgi_temp_path tmp/u; scgi_temp_path tmp/s;
upstream backend { server 127.0.0.3:${bp}; keepalive 320; }
server { listen 127.0.0.1:${mp}; location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; proxy_pass http://backend; } } }`,
  { host: "127.0.0.1", port: mp },
);
fxs.minimal = [mp, () => childPids(minimal.pid)];
for (const [p, w] of Object.values(fxs)) wrk(p, w());
for (let round = 0; round < 3; round++)
  console.log(
    Object.entries(fxs)
      .map(([k, [p, w]]) => `${k}=${wrk(p, w())}us`)
      .join(" "),
  );
for (const s of stops) await s();
await minimal.stop();
await backend.stop();
