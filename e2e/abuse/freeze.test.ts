// Abuse, part 1 (issue 10: freeze, PCRE is not JavaScript, ReDoS): team-b, a real tenant, writes
// the inputs that once made the shared build throw or nginx -t refuse every later config. Each is
// either handled (served as meant) or refused at admission naming the field; written with admission
// bypassed, the build drops it with an Event on the culprit; team-a's host answers throughout and a
// change team-a makes afterwards is applied. The nginx -t containment path itself (a regex too
// large for PCRE2) is e2e/containment.test.ts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ingressManifest, prefixRule } from "../../src/local/backends.js";
import { eventually } from "../../src/local/http.js";
import type { PorticoEnv } from "../../src/local/portico-env.js";
import { LIMITS } from "../../src/core/limits.js";
import { admitted, eventNamed, eventsOf, refused, regexIngress, servedBy, twoTenants, Victim, withAdmissionBypassed, type Tenant } from "./support.js";

let env: PorticoEnv;
let teamA: Victim;
let teamB: Tenant;
const B = "team-b";
const P0 = "spec.rules[0].http.paths[0].path";

before(async () => {
  ({ env, teamA, teamB } = await twoTenants("a.example.test", ["solver"]));
});

after(async () => {
  await env?.stop();
});

/** team-b's Ingress is not served: its host answers 404 from the default backend. */
async function notServed(host: string, path: string) {
  await eventually(async () => {
    const r = await env.get(host, path);
    assert.equal(r.status, 404, `${host}${path}: ${r.status} ${r.json?.service ?? r.body.slice(0, 80)}`);
  }, 30_000);
}

describe("freeze: inputs that once made the shared build throw", () => {
  test("regex path /a\\.b: served as the regex it is; team-a keeps converging", async () => {
    await admitted(teamB, regexIngress(B, "dotted-regex", "regex.b.example.test", ["/a\\.b"]));
    await servedBy(env, "regex.b.example.test", "/a.b", `${B}/web`);
    await notServed("regex.b.example.test", "/aXb"); // the escaped dot is a dot
    await teamA.stillConverges();
  });

  test("dotted Prefix path /.well-known/acme-challenge/x on a use-regex host (cert-manager's solver): served; team-a keeps converging", async () => {
    await admitted(teamB, regexIngress(B, "app", "solver.b.example.test", ["/api/[0-9]+"]));
    await admitted(
      teamB,
      ingressManifest(B, "solver", {
        ingressClassName: "portico",
        rules: [prefixRule("solver.b.example.test", [["/.well-known/acme-challenge/x", "solver"]])],
      }),
    );
    await servedBy(env, "solver.b.example.test", "/api/42", `${B}/web`);
    await servedBy(env, "solver.b.example.test", "/.well-known/acme-challenge/x", `${B}/solver`);
    await teamA.stillConverges();
  });

  test("rewrite-target on Prefix /v1.0: served and rewritten; team-a keeps converging", async () => {
    await admitted(
      teamB,
      ingressManifest(
        B,
        "rewrite",
        { ingressClassName: "portico", rules: [prefixRule("rewrite.b.example.test", [["/v1.0", "web"]])] },
        { "nginx.ingress.kubernetes.io/rewrite-target": "/" },
      ),
    );
    const a = await servedBy(env, "rewrite.b.example.test", "/v1.0/x", `${B}/web`);
    assert.equal(a.json?.path, "/", "the rewrite applied");
    await teamA.stillConverges();
  });

  // The CRD schema types both (format ipv4/ipv6), so the API server itself refuses them before any
  // webhook: no IngressController can hold them, admission up or not. The build's own guard for a
  // value that got in anyway (left out, or that controller alone fails) is src/core/build.ts.
  const BAD_CONTROLLER_SPECS: [string, object, string][] = [
    ["settings proxyRealIpCidrs [999.1.1.1]", { settings: { proxyRealIpCidrs: ["999.1.1.1"] } }, "spec.settings.proxyRealIpCidrs[0]"],
    ["listen.address localhost", { listen: { address: "localhost" } }, "spec.listen.address"],
  ];
  for (const [what, spec, field] of BAD_CONTROLLER_SPECS) {
    test(`IngressController ${what}: a tenant cannot write it; its owner is refused naming ${field}, with admission bypassed too; team-a keeps converging`, async () => {
      const ns = env.mode.namespace;
      const patch = ["-n", ns, "patch", "ingresscontroller", env.mode.controllerName, "--type=merge", "-p", JSON.stringify({ spec })];
      const t = await teamB.kubectl(patch);
      assert.notEqual(t.code, 0, "a tenant patched the IngressController");
      assert.match(t.stderr, /forbidden/i);
      const other = {
        apiVersion: "portico.dev/v1alpha1",
        kind: "IngressController",
        metadata: { name: "other", namespace: ns },
        spec: { ingressClass: { name: "other", create: true }, ...spec },
      };
      for (const r of [
        await env.cluster.kubectl(patch),
        await env.cluster.kubectl(["apply", "-f", "-"], { input: JSON.stringify(other) }),
        ...(await withAdmissionBypassed(env, async () => [
          await env.cluster.kubectl(patch),
          await env.cluster.kubectl(["apply", "-f", "-"], { input: JSON.stringify(other) }),
        ])),
      ]) {
        assert.notEqual(r.code, 0, `admitted: ${r.stdout}`);
        assert.ok(r.stderr.includes(field), r.stderr);
      }
      await teamA.stillConverges();
    });
  }
});

// Regexes that JavaScript's RegExp accepts and PCRE2 refuses or reads otherwise, and one that
// backtracks catastrophically.
const HOSTILE_REGEXES: [string, string, string][] = [
  ["posix-class", "/[:alpha:]", "reads as a POSIX class in PCRE"],
  ["huge-count", "/x{65536}", "must start a count"],
  ["empty-class", "/[]", "empty character class"],
  ["deep-nesting", "/" + "(?:".repeat(12) + "a" + ")".repeat(12), "groups nested deeper than"],
  ["redos", "/(a|aa)+$", "catastrophic backtracking"],
];

describe("PCRE is not JavaScript, and ReDoS: regexes outside the one grammar", () => {
  for (const [name, regex, why] of HOSTILE_REGEXES) {
    test(`regex ${regex} (${name}) is refused at admission naming the path`, async () => {
      await refused(teamB, regexIngress(B, name, `${name}.b.example.test`, [regex]), P0, why);
    });
  }

  test("written with admission bypassed, each is dropped with a PathInvalid Event; team-b's next Ingress and team-a's change still apply", async () => {
    await withAdmissionBypassed(env, async () => {
      for (const [name, regex] of HOSTILE_REGEXES) await env.cluster.apply(regexIngress(B, name, `${name}.b.example.test`, [regex]));
    });
    for (const [name, , why] of HOSTILE_REGEXES) {
      await eventNamed(env, B, name, ["PathInvalid", P0, why]);
      await notServed(`${name}.b.example.test`, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    }
    await admitted(teamB, regexIngress(B, "after-hostile", "after.b.example.test", ["/ok/[0-9]+"]));
    await servedBy(env, "after.b.example.test", "/ok/7", `${B}/web`);
    await teamA.stillConverges();
    for (const [name] of HOSTILE_REGEXES)
      assert.ok(!(await eventsOf(env, B, name)).some((e) => e.startsWith("IngressDropped")), "dropped by the build, not by nginx -t");
  });
});

describe("regex locations per host are capped", () => {
  const host = "many.b.example.test";
  const regexes = (from: number, n: number) => Array.from({ length: n }, (_, i) => `/r${from + i}/[a-z]+`);

  test(`the regex path that would be number ${LIMITS.regexPathsPerHost + 1} on a host is refused at admission`, async () => {
    await admitted(teamB, regexIngress(B, "many-1", host, regexes(0, LIMITS.regexPathsPerHost)));
    // Admission counts from its index (an informer): the refusal needs many-1 in it, as any
    // later write would; a write racing the watch is what the build's own cap (next test) is for.
    await servedBy(env, host, `/r${LIMITS.regexPathsPerHost - 1}/abc`, `${B}/web`);
    await refused(teamB, regexIngress(B, "many-2", host, regexes(LIMITS.regexPathsPerHost, 1)), `at most ${LIMITS.regexPathsPerHost} are allowed on one host`);
  });

  test("written with admission bypassed, the paths over the cap are ignored with an Event; the rest serve; team-a keeps converging", async () => {
    await withAdmissionBypassed(env, () => env.cluster.apply(regexIngress(B, "many-2", host, regexes(LIMITS.regexPathsPerHost, 6))));
    await eventNamed(env, B, "many-2", ["RegexLimitExceeded", `${LIMITS.regexPathsPerHost} regex paths`]);
    await servedBy(env, host, `/r${LIMITS.regexPathsPerHost - 1}/abc`, `${B}/web`);
    await notServed(host, `/r${LIMITS.regexPathsPerHost}/abc`);
    await teamA.stillConverges();
  });
});
