#!/usr/bin/env node
// A fake pod: answers every HTTP request with JSON describing it (service, pod, path, host, method,
// proto, headers), or with --tcp echoes each received line prefixed by the pod name. Plain JS with no
// dependencies so it runs anywhere, including inside the test pod network namespace (`ip netns exec`).
// Usage: node echo-server.mjs --host 127.0.0.2 --port 8080 --service default/s1 --pod s1-a [--tcp] [--tls cert,key]
// (--service defaults to $SERVICE_NAME, --pod to $POD_NAME or the hostname).
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, arg, i, all) => {
    if (arg.startsWith("--")) acc.push([arg.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : "true"]);
    return acc;
  }, []),
);
const host = args.host ?? "127.0.0.1";
const port = Number(args.port ?? 8080);
// In a container (images/echo) the pod name comes from POD_NAME (downward API) or the hostname.
const service = args.service ?? process.env.SERVICE_NAME ?? "unknown";
const pod = args.pod ?? process.env.POD_NAME ?? hostname();

function describe(req, body) {
  return {
    service,
    pod,
    path: req.url,
    host: req.headers.host ?? "",
    method: req.method,
    proto: `HTTP/${req.httpVersion}`,
    headers: req.headers,
    bodyLength: body.length,
  };
}

function onRequest(req, res) {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const json = JSON.stringify(describe(req, Buffer.concat(chunks)));
    res.writeHead(200, { "content-type": "application/json", "x-echo-pod": pod });
    res.end(json);
  });
}

let server;
if (args.tcp === "true") {
  server = net.createServer((socket) => {
    let buf = "";
    socket.on("data", (d) => {
      buf += d.toString("utf8");
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        socket.write(`${pod}: ${buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
      }
    });
    socket.on("error", () => {});
  });
} else if (args.tls) {
  const [cert, key] = args.tls.split(",");
  server = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, onRequest);
} else {
  server = http.createServer(onRequest);
  server.keepAliveTimeout = 120_000;
}
server.on("error", (err) => {
  console.error(`echo-server: cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});
server.listen(port, host, () => console.log(`listening ${host}:${port} ${pod}`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 200).unref());
