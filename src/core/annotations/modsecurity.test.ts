// ModSecurity annotations: parsing and refusals, the rule lines and their escaping, and when the
// module is loaded (pure; the behaviour with real nginx is src/core/render/modsecurity.behaviour.test.ts).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseAnnotations } from "./registry.js";
import { build } from "../build.js";
import { modsecurityRulesToken, modsecurityTransactionIdToken } from "../nginx-values.js";
import { locationRuleLines, MODSECURITY_MODULE } from "../render/modsecurity.js";
import { ingress, path, service, slice, snapshot } from "../test-objects.js";

const N = "nginx.ingress.kubernetes.io/";
const P = "portico.dev/";
const on = { [`${N}enable-modsecurity`]: "true" };

describe("ModSecurity annotations", () => {
  test("typed settings parse to their values", () => {
    const r = parseAnnotations({
      ...on,
      [`${N}enable-owasp-core-rules`]: "TRUE",
      [`${N}modsecurity-transaction-id`]: "$request_id",
      [`${P}modsecurity-rule-engine`]: "detectiononly",
      [`${P}modsecurity-audit-engine`]: "relevantonly",
      [`${P}modsecurity-remove-rule-ids`]: "942100, 920000-920999 941100",
      [`${P}modsecurity-request-body-limit`]: "64k",
      [`${P}modsecurity-tags`]: "github_team=platform,namespace=shop",
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.values, {
      enableModsecurity: true,
      enableOwaspCoreRules: true,
      modsecurityTransactionId: "$request_id",
      modsecurityRuleEngine: "DetectionOnly",
      modsecurityAuditEngine: "RelevantOnly",
      modsecurityRemoveRuleIds: [
        { from: 942100, to: 942100 },
        { from: 920000, to: 920999 },
        { from: 941100, to: 941100 },
      ],
      modsecurityRequestBodyLimit: 65536,
      modsecurityTags: ["github_team=platform", "namespace=shop"],
    });
  });

  const bad: [string, string, RegExp][] = [
    ["modsecurity-rule-engine", "Block", /must be On, DetectionOnly or Off/],
    ["modsecurity-audit-engine", "always", /must be On, RelevantOnly or Off/],
    ["modsecurity-remove-rule-ids", "942100;SecRuleEngine Off", /not a rule id/],
    ["modsecurity-remove-rule-ids", "942100-942000", /must not run backwards/],
    ["modsecurity-remove-rule-ids", "0", /ids start at 1/],
    ["modsecurity-request-body-limit", "2g", /between 1 byte and 1g/],
    ["modsecurity-request-body-limit", "10mb", /is not a size/],
    ["modsecurity-tags", "team='x'", /a tag is 1-128 letters/],
    ["modsecurity-transaction-id", "$request_id;", /must be letters, digits/],
    ["modsecurity-transaction-id", "$document_root", /\$document_root is not one of/],
    ["modsecurity-transaction-id", '"x"', /must be letters, digits/],
  ];
  for (const [key, raw, re] of bad) {
    test(`${key}=${JSON.stringify(raw)} is refused naming the key, and drops the Ingress`, () => {
      const r = parseAnnotations({ ...on, [`${P}${key}`]: raw });
      assert.equal(r.errors.length, 1);
      assert.ok(r.errors[0]!.message.startsWith(`${P}${key}: `), r.errors[0]!.message);
      assert.match(r.errors[0]!.message, re);
      assert.equal(r.errors[0]!.dropsIngress, true, "a WAF setting is access control: fail closed");
    });
  }

  test("a WAF setting without enable-modsecurity is refused (the owner expected a WAF)", () => {
    for (const [key, raw] of [
      [`${N}enable-owasp-core-rules`, "true"],
      [`${P}modsecurity-rule-engine`, "On"],
      [`${N}modsecurity-transaction-id`, "$request_id"],
    ]) {
      for (const enable of [undefined, "false"]) {
        const r = parseAnnotations({ [key!]: raw!, ...(enable ? { [`${N}enable-modsecurity`]: enable } : {}) });
        assert.equal(r.errors.length, 1, key);
        assert.match(r.errors[0]!.message, /has no effect without enable-modsecurity: "true"/);
        assert.equal(r.errors[0]!.dropsIngress, true);
      }
    }
    assert.deepEqual(parseAnnotations({ [`${N}enable-owasp-core-rules`]: "false" }).errors, [], "false alone asks for nothing");
  });
});

describe("ModSecurity rule lines", () => {
  test("typed settings become SecLang lines; CRS rules are removed where the location did not ask for them", () => {
    assert.deepEqual(locationRuleLines({ crs: false }, true), ["SecRuleRemoveById 900000-999999 9000000-9999999"]);
    assert.deepEqual(locationRuleLines({ crs: true }, true), []);
    assert.deepEqual(
      locationRuleLines(
        {
          crs: true,
          ruleEngine: "On",
          auditEngine: "Off",
          requestBodyLimit: 1024,
          removeRuleIds: [
            { from: 1, to: 1 },
            { from: 5, to: 9 },
          ],
          tags: ["a=b"],
        },
        true,
      ),
      [
        "SecRuleEngine On",
        "SecAuditEngine Off",
        "SecRequestBodyLimit 1024",
        "SecRuleRemoveById 1 5-9",
        `SecDefaultAction "phase:1,log,auditlog,pass,tag:'a=b'"`,
        `SecDefaultAction "phase:2,log,auditlog,pass,tag:'a=b'"`,
      ],
    );
    assert.throws(() => locationRuleLines({ crs: true, tags: ["a'b"] }, true), /not a tag/);
  });

  test("the rules token escapes quotes and backslashes for nginx and joins lines with \\n", () => {
    assert.equal(
      modsecurityRulesToken(['SecRule ARGS "@rx a\\+b" "id:1"', "SecRuleEngine On"]),
      '"SecRule ARGS \\"@rx a\\\\+b\\" \\"id:1\\"\\nSecRuleEngine On"',
    );
    assert.throws(() => modsecurityRulesToken(["SecRuleEngine On\nInclude /etc/passwd"]), /not printable ASCII/);
    assert.throws(() => modsecurityRulesToken([]), /empty/);
  });

  test("transaction ids are written with ${name} so no variable runs into the text after it", () => {
    assert.equal(modsecurityTransactionIdToken("id-$request_id-x"), '"id-${request_id}-x"');
    assert.throws(() => modsecurityTransactionIdToken("a b"), /not a transaction id/);
  });
});

describe("loading the module", () => {
  const objects = (annotations?: Record<string, string>) =>
    snapshot({
      ingresses: [ingress("a", [{ host: "a.example.com", paths: [path("/", "Prefix", "web")] }], annotations ? { annotations } : {})],
      services: [service("web")],
      endpointSlices: [slice("web", ["198.18.0.9"])],
    });
  test("only while some location enables ModSecurity; the CRS only while some location asks for it", () => {
    const none = build(objects()).state.config;
    assert.ok(!none.includes("modsecurity"), "no Ingress uses it: not loaded, no rules");
    const base = build(objects(on)).state.config;
    assert.ok(base.includes(`load_module ${MODSECURITY_MODULE};`));
    assert.ok(base.includes("modsecurity on;"));
    assert.ok(!base.includes("modsecurity-crs"));
    const crs = build(objects({ ...on, [`${N}enable-owasp-core-rules`]: "true" })).state.config;
    assert.equal(crs.split("Include /usr/share/modsecurity-crs/rules/*.conf").length, 2, "the CRS is parsed once, at http level");
  });
});
