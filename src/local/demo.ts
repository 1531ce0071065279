// `npm run demo`: the classic Ingress guide's examples against the Helm install on the local node
// (`npm start` makes it; the demo makes it too when it is missing), with real backends: Deployments of
// the echo image behind Services. Prints for each example the curl command a user would type and the
// answer it got. Removes its namespace at the end (--keep leaves it); the node keeps running.
// `npm run demo -- --processes`: the same examples in the fast process mode (demo-processes.ts).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ingressManifest, prefixRule } from "./backends.js";
import { servingCertificate, type Cluster } from "./cluster/index.js";
import { eventually } from "./http.js";
import { curlLine, echoBackend, nodeGet } from "./node-backends.js";
import { ensureNodeCluster, installPortico, RELEASE, RELEASE_NAMESPACE, waitForDataPlane } from "./node-install.js";
import { tempDir } from "./portico-env.js";

const NS = "demo";
const keep = process.argv.includes("--keep");
const say = (line: string) => console.log(`\x1b[1m${line}\x1b[0m`);

async function show(host: string, path: string, opts: { https?: boolean; expect?: string; status?: number; certificate?: string } = {}): Promise<void> {
  const answer = await eventually(async () => {
    const a = await nodeGet(host, path, { https: opts.https });
    if (opts.expect && a.json?.service !== opts.expect) throw new Error(`${host}${path} answered ${a.status} ${a.json?.service ?? ""}`);
    if (opts.status && a.status !== opts.status) throw new Error(`${host}${path} answered ${a.status}, not ${opts.status}`);
    if (opts.certificate && a.certificateSubject !== opts.certificate) throw new Error(`${host} presented ${a.certificateSubject}`);
    return a;
  }, 30_000);
  console.log(`$ ${curlLine(host, path, opts.https ?? false)}`);
  const summary = answer.json
    ? JSON.stringify({ service: answer.json.service, pod: answer.json.pod, path: answer.json.path, host: answer.json.host })
    : (/<title>([^<]*)<\/title>/.exec(answer.body)?.[1] ?? answer.body.trim().replace(/\s+/g, " ").slice(0, 80));
  const location = answer.headers.location ? ` Location: ${answer.headers.location}` : "";
  console.log(`  -> HTTP ${answer.status} ${summary}${location}${answer.certificateSubject ? `  (certificate CN=${answer.certificateSubject})` : ""}\n`);
}

async function examples(c: Cluster): Promise<void> {
  const kubectl = (args: string[]) => c.kubectlOk(args, { timeoutMs: 150_000 });
  const apply = async (title: string, manifest: object) => {
    say(`\n== ${title}`);
    const file = join(tempDir("portico-demo-"), "ingress.json");
    writeFileSync(file, JSON.stringify(manifest, null, 2));
    console.log(`$ kubectl apply -f ${file}`);
    console.log(`  ${(await kubectl(["apply", "-f", file])).trim()}`);
  };
  await c.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await c.apply([...echoBackend(NS, "s1"), ...echoBackend(NS, "s2")]);
  for (const s of ["s1", "s2"]) await kubectl(["rollout", "status", "-n", NS, `deployment/${s}`, "--timeout=120s"]);
  console.log(`  backends: Deployments ${NS}/s1 and ${NS}/s2 (2 echo pods each) behind Services`);
  const cls = { ingressClassName: "portico" };

  await apply(
    "Single-service Ingress (spec.defaultBackend)",
    ingressManifest(NS, "test-ingress", { ...cls, defaultBackend: { service: { name: "s1", port: { number: 80 } } } }),
  );
  await show("anything.example", "/", { expect: `${NS}/s1` });
  console.log(`$ kubectl -n ${NS} delete ingress test-ingress`);
  console.log(`  ${(await kubectl(["-n", NS, "delete", "ingress", "test-ingress"])).trim()}`);
  await show("anything.example", "/", { status: 404 });

  await apply(
    "Simple fan-out: foo.bar.com /foo -> s1, /bar -> s2",
    ingressManifest(NS, "simple-fanout-example", {
      ...cls,
      rules: [
        prefixRule("foo.bar.com", [
          ["/foo", "s1"],
          ["/bar", "s2"],
        ]),
      ],
    }),
  );
  await show("foo.bar.com", "/foo", { expect: `${NS}/s1` });
  await show("foo.bar.com", "/bar", { expect: `${NS}/s2` });

  await apply(
    "Name-based virtual hosting: first.bar.com -> s1, second.bar.com -> s2",
    ingressManifest(NS, "name-virtual-host-ingress", {
      ...cls,
      rules: [prefixRule("first.bar.com", [["/", "s1"]]), prefixRule("second.bar.com", [["/", "s2"]])],
    }),
  );
  await show("first.bar.com", "/", { expect: `${NS}/s1` });
  await show("second.bar.com", "/", { expect: `${NS}/s2` });

  say("\n== TLS with a generated certificate");
  const cert = await servingCertificate(tempDir("portico-demo-tls-"), { dnsNames: ["https-example.foo.com"], commonName: "https-example.foo.com" });
  console.log(`$ kubectl -n ${NS} create secret tls testsecret-tls --cert=${cert.files.cert} --key=${cert.files.key}`);
  console.log(`  ${(await kubectl(["-n", NS, "create", "secret", "tls", "testsecret-tls", `--cert=${cert.files.cert}`, `--key=${cert.files.key}`])).trim()}`);
  await apply(
    "TLS Ingress for https-example.foo.com",
    ingressManifest(NS, "tls-example-ingress", {
      ...cls,
      tls: [{ hosts: ["https-example.foo.com"], secretName: "testsecret-tls" }],
      rules: [prefixRule("https-example.foo.com", [["/", "s1"]])],
    }),
  );
  await show("https-example.foo.com", "/", { https: true, expect: `${NS}/s1`, certificate: "https-example.foo.com" });
  await show("https-example.foo.com", "/", { status: 308 }); // HTTP redirects to HTTPS

  say("\n== kubectl get ingress");
  await eventually(async () => {
    const out = await kubectl(["-n", NS, "get", "ingress", "-o", 'jsonpath={range .items[*]}{.status.loadBalancer.ingress[0].ip}{"\\n"}{end}']);
    if (out.split("\n").filter(Boolean).length < 3) throw new Error("addresses not published yet");
  }, 30_000);
  console.log(`$ kubectl -n ${NS} get ingress`);
  console.log(await kubectl(["-n", NS, "get", "ingress"]));
  say("== kubectl get pods -A");
  console.log(await kubectl(["get", "pods", "-A", "-o", "wide"]));
}

async function main(): Promise<void> {
  if (process.argv.includes("--processes")) {
    await import("./demo-processes.js");
    return;
  }
  const { cluster } = await ensureNodeCluster((l) => console.log(`  ${l}`));
  if ((await cluster.helm(["status", RELEASE, "-n", RELEASE_NAMESPACE])).code !== 0) {
    say("Installing Portico with helm (npm start does the same)...");
    await installPortico(cluster);
  }
  await waitForDataPlane(cluster);
  let failed = false;
  try {
    await examples(cluster);
  } catch (err) {
    failed = true;
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    console.error(`look at: KUBECONFIG=${cluster.kubeconfig} .portico/bin/kubectl -n ${RELEASE_NAMESPACE} logs deployment/${RELEASE}-nginx -c agent`);
  }
  if (!keep) await cluster.kubectl(["delete", "namespace", NS, "--wait=false"]);
  say(
    `\n${keep ? `Left namespace ${NS} in place (--keep). ` : ""}The node keeps running: export KUBECONFIG=${cluster.kubeconfig}; stop it with npm run cluster:down`,
  );
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(`portico demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
