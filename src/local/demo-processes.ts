// `npm run demo -- --processes`: a local cluster, Portico in local mode, echo backends as fake pods, and every
// example of the classic Ingress guide applied with kubectl — printing for each the curl command
// a user would type and the answer it got. Stops everything at the end (--keep leaves it running).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { selfSignedArgs } from "../agent/default-cert.js";
import { exposePods, ingressManifest, prefixRule } from "./backends.js";
import { eventually } from "./http.js";
import { startPorticoEnv, tempDir, type PorticoEnv } from "./portico-env.js";
import { defaultPorts } from "./local-mode.js";

const NS = "demo";
const keep = process.argv.includes("--keep");
const say = (line: string) => console.log(`\x1b[1m${line}\x1b[0m`);

function curlLine(env: PorticoEnv, host: string, path: string, https: boolean): string {
  const port = https ? env.mode.httpsPort : env.mode.httpPort;
  const addr = env.mode.listenAddress;
  return https ? `curl -sk --resolve ${host}:${port}:${addr} https://${host}:${port}${path}` : `curl -s -H 'Host: ${host}' http://${addr}:${port}${path}`;
}

async function show(
  env: PorticoEnv,
  host: string,
  path: string,
  opts: { https?: boolean; expect?: string; status?: number; certificate?: string } = {},
): Promise<void> {
  const answer = await eventually(async () => {
    const a = await env.get(host, path, { https: opts.https });
    if (opts.expect && a.json?.service !== opts.expect) throw new Error(`${host}${path} answered ${a.status} ${a.json?.service ?? ""}`);
    if (opts.status && a.status !== opts.status) throw new Error(`${host}${path} answered ${a.status}, not ${opts.status}`);
    if (opts.certificate && a.certificateSubject !== opts.certificate) throw new Error(`${host} presented ${a.certificateSubject}`);
    return a;
  }, 20_000);
  console.log(`$ ${curlLine(env, host, path, opts.https ?? false)}`);
  const summary = answer.json
    ? JSON.stringify({ service: answer.json.service, pod: answer.json.pod, path: answer.json.path, host: answer.json.host })
    : (/<title>([^<]*)<\/title>/.exec(answer.body)?.[1] ?? answer.body.trim().replace(/\s+/g, " ").slice(0, 80));
  const location = answer.headers.location ? ` Location: ${answer.headers.location}` : "";
  console.log(`  -> HTTP ${answer.status} ${summary}${location}${answer.certificateSubject ? `  (certificate CN=${answer.certificateSubject})` : ""}\n`);
}

async function main(): Promise<void> {
  const ports = defaultPorts();
  process.env.PORTICO_HTTP_PORT ??= String(ports.http);
  say("Starting a local cluster and Portico (this takes a few seconds)...");
  const env = await startPorticoEnv({ name: "demo", onProgress: (l) => console.log(`  ${l}`) });
  let failed = false;
  try {
    await env.cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    for (const svc of ["s1", "s2"]) {
      const pods = [await env.cluster.startEchoPod({ service: `${NS}/${svc}`, pod: `${svc}-pod`, port: 8080 })];
      await exposePods(env.cluster, NS, svc, pods);
      console.log(`  backend ${NS}/${svc}: fake pod ${pods[0]!.ip}:8080 (selector-less Service + EndpointSlice)`);
    }
    const apply = async (title: string, manifest: object) => {
      say(`\n== ${title}`);
      const file = join(tempDir("portico-demo-"), "ingress.json");
      writeFileSync(file, JSON.stringify(manifest, null, 2));
      console.log(`$ kubectl apply -f ${file}`);
      console.log(`  ${(await env.cluster.kubectlOk(["apply", "-f", file])).trim()}`);
    };

    await apply(
      "Single-service Ingress (spec.defaultBackend)",
      ingressManifest(NS, "test-ingress", { defaultBackend: { service: { name: "s1", port: { number: 80 } } } }),
    );
    await show(env, "anything.example", "/", { expect: `${NS}/s1` });
    // It catches every request no other rule matches; remove it so the next examples stand alone.
    console.log(`$ kubectl -n ${NS} delete ingress test-ingress`);
    console.log(`  ${(await env.cluster.kubectlOk(["-n", NS, "delete", "ingress", "test-ingress"])).trim()}`);
    await show(env, "anything.example", "/", { status: 404 });

    await apply(
      "Simple fan-out: foo.bar.com /foo -> s1, /bar -> s2",
      ingressManifest(NS, "simple-fanout-example", {
        rules: [
          prefixRule("foo.bar.com", [
            ["/foo", "s1"],
            ["/bar", "s2"],
          ]),
        ],
      }),
    );
    await show(env, "foo.bar.com", "/foo", { expect: `${NS}/s1` });
    await show(env, "foo.bar.com", "/bar", { expect: `${NS}/s2` });

    await apply(
      "Name-based virtual hosting: foo.bar.com -> s1, bar.foo.com -> s2",
      ingressManifest(NS, "name-virtual-host-ingress", { rules: [prefixRule("foo.bar.com", [["/", "s1"]]), prefixRule("bar.foo.com", [["/", "s2"]])] }),
    );
    await show(env, "bar.foo.com", "/", { expect: `${NS}/s2` });

    say("\n== TLS with a generated certificate");
    const dir = tempDir("portico-demo-tls-");
    execFileSync(
      "openssl",
      selfSignedArgs({
        commonName: "https-example.foo.com",
        altNames: ["DNS:https-example.foo.com"],
        days: 30,
        keyType: "rsa",
        keyFile: join(dir, "tls.key"),
        certFile: join(dir, "tls.crt"),
      }),
      { stdio: "pipe" },
    );
    console.log(`$ kubectl -n ${NS} create secret tls testsecret-tls --cert=${dir}/tls.crt --key=${dir}/tls.key`);
    console.log(
      `  ${(await env.cluster.kubectlOk(["-n", NS, "create", "secret", "tls", "testsecret-tls", `--cert=${dir}/tls.crt`, `--key=${dir}/tls.key`])).trim()}`,
    );
    await apply(
      "TLS Ingress for https-example.foo.com",
      ingressManifest(NS, "tls-example-ingress", {
        tls: [{ hosts: ["https-example.foo.com"], secretName: "testsecret-tls" }],
        rules: [prefixRule("https-example.foo.com", [["/", "s1"]])],
      }),
    );
    await show(env, "https-example.foo.com", "/", { https: true, expect: `${NS}/s1`, certificate: "https-example.foo.com" });
    await show(env, "https-example.foo.com", "/", { status: 308 }); // HTTP redirects to HTTPS

    say("\n== Update with kubectl replace: bar.foo.com now goes to s1 instead of s2");
    const replaced = ingressManifest(NS, "name-virtual-host-ingress", {
      rules: [prefixRule("foo.bar.com", [["/", "s1"]]), prefixRule("bar.foo.com", [["/", "s1"]])],
    });
    const file = join(tempDir("portico-demo-"), "replace.json");
    writeFileSync(file, JSON.stringify(replaced, null, 2));
    console.log(`$ kubectl replace -f ${file}`);
    console.log(`  ${(await env.cluster.kubectlOk(["replace", "-f", file])).trim()}`);
    await show(env, "bar.foo.com", "/", { expect: `${NS}/s1` });

    say("\n== kubectl get ingress");
    await eventually(async () => {
      const out = await env.cluster.kubectlOk(["-n", NS, "get", "ingress", "-o", 'jsonpath={range .items[*]}{.status.loadBalancer.ingress[0].ip}{"\\n"}{end}']);
      if (out.split("\n").filter(Boolean).length < 3) throw new Error("addresses not published yet");
    });
    console.log(`$ kubectl -n ${NS} get ingress`);
    console.log(await env.cluster.kubectlOk(["-n", NS, "get", "ingress"]));
    say("== kubectl get ingresscontrollers -A");
    console.log(await env.cluster.kubectlOk(["get", "ingresscontrollers", "-A"]));
    say(
      `Rendered nginx.conf: ${join(env.mode.nginxPrefix, "conf/current/nginx.conf")} (${readFileSync(join(env.mode.nginxPrefix, "conf/current/nginx.conf"), "utf8").split("\n").length} lines)`,
    );
  } catch (err) {
    failed = true;
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    console.error(`logs: ${env.mode.pepr.logFile}, ${env.mode.agentLog}`);
  }
  if (keep && !failed) {
    say(`\nLeft running (--keep). KUBECONFIG=${env.cluster.kubeconfig}. Ctrl-C stops everything.`);
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  }
  await env.stop();
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(`portico demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
