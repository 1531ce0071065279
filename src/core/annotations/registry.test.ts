import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ANNOTATIONS, parseAnnotations, REJECTED_ANNOTATIONS } from "./registry.js";
import { annotationsMarkdown } from "./docs.js";
import { settingsMarkdown } from "../settings-docs.js";

const N = "nginx.ingress.kubernetes.io/";
const P = "portico.dev/";

describe("parseAnnotations", () => {
  test("both prefixes; portico.dev wins; foreign keys ignored; unknown ours listed", () => {
    const r = parseAnnotations({
      [`${N}proxy-read-timeout`]: "300",
      [`${P}proxy-read-timeout`]: "30",
      [`${N}proxy-send-timeout`]: "45s",
      "kubernetes.io/ingress.class": "portico",
      [`${N}enable-rewrite-log`]: "true",
    });
    assert.deepEqual(r.values, { proxyReadTimeout: 30, proxySendTimeout: 45 });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.unknown, [`${N}enable-rewrite-log`]);
  });

  test("an invalid portico.dev value does not fall back to the compatibility key", () => {
    const r = parseAnnotations({ [`${N}proxy-body-size`]: "8m", [`${P}proxy-body-size`]: "huge" });
    assert.equal(r.values.proxyBodySize, undefined);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.key, `${P}proxy-body-size`);
    assert.match(r.errors[0]!.message, /^portico\.dev\/proxy-body-size: "huge" is not a size/);
  });

  test("every snippet annotation is rejected under both prefixes with the reason", () => {
    for (const s of REJECTED_ANNOTATIONS) {
      for (const prefix of [N, P]) {
        const r = parseAnnotations({ [`${prefix}${s.key}`]: "add_header X y;" });
        assert.equal(r.errors.length, 1);
        // modsecurity-snippet's reason names the typed ModSecurity settings that replace it.
        assert.match(
          r.errors[0]!.message,
          s.key === "modsecurity-snippet"
            ? /raw ModSecurity rules .* never accepted; use the typed settings/
            : /snippet annotations insert raw nginx configuration/,
        );
        assert.deepEqual(r.values, {});
      }
    }
  });

  const cases: [string, string, unknown][] = [
    ["ssl-redirect", "false", false],
    ["ssl-redirect", "TRUE", true],
    ["force-ssl-redirect", "true", true],
    ["use-regex", "true", true],
    ["rewrite-target", "/$2", "/$2"],
    ["backend-protocol", "grpcs", "GRPCS"],
    ["proxy-body-size", "0", "0"],
    ["proxy-body-size", "512K", "512k"],
    ["proxy-connect-timeout", "15", 15],
    ["proxy-read-timeout", "3600", 3600],
    ["proxy-send-timeout", "1", 1],
    ["app-root", "/app1", "/app1"],
    ["permanent-redirect", "https://www.google.com", "https://www.google.com"],
    ["permanent-redirect-code", "308", 308],
    ["temporal-redirect", "/maintenance", "/maintenance"],
  ];
  for (const [key, raw, want] of cases) {
    test(`${key}=${raw}`, () => {
      const spec = ANNOTATIONS.find((a) => a.key === key)!;
      const r = parseAnnotations({ [`${N}${key}`]: raw });
      assert.deepEqual(r.errors, []);
      assert.deepEqual((r.values as Record<string, unknown>)[spec.field], want);
    });
  }

  const bad: [string, string, RegExp][] = [
    ["ssl-redirect", "1", /must be "true" or "false"/],
    ["rewrite-target", "/$host", /capture group/],
    ["backend-protocol", "AJP", /must be one of/],
    ["proxy-body-size", "10mb", /is not a size/],
    ["proxy-connect-timeout", "2147484", /outside 1\.\.2147483/],
    ["proxy-read-timeout", "-1", /not a number of seconds/],
    ["app-root", "/", /redirect to itself/],
    ["app-root", "app", /absolute path/],
    ["permanent-redirect", "https://x.com/a b", /must be an http\(s\) URL/],
    ["permanent-redirect-code", "304", /must be one of 301/],
    ["temporal-redirect", "javascript:alert(1)", /must be an http\(s\) URL/],
  ];
  for (const [key, raw, re] of bad) {
    test(`${key}=${JSON.stringify(raw)} is rejected naming the key`, () => {
      const r = parseAnnotations({ [`${N}${key}`]: raw });
      assert.equal(r.errors.length, 1);
      assert.ok(r.errors[0]!.message.startsWith(`${N}${key}: `), r.errors[0]!.message);
      assert.match(r.errors[0]!.message, re);
      assert.deepEqual(r.values, {});
    });
  }

  test("specs are complete", () => {
    const keys = new Set<string>();
    for (const a of ANNOTATIONS) {
      assert.ok(!keys.has(a.key), `duplicate ${a.key}`);
      keys.add(a.key);
      assert.ok(a.doc.length > 20 && ["ingress", "location"].includes(a.scope) && ["low", "medium", "high", "critical"].includes(a.risk), a.key);
    }
  });
});

describe("generated docs", () => {
  test("annotation table lists every annotation and the rejected snippets", () => {
    const md = annotationsMarkdown();
    for (const a of ANNOTATIONS) assert.ok(md.includes(`| \`${a.key}\` |`), a.key);
    for (const s of REJECTED_ANNOTATIONS) assert.ok(md.includes(`\`${s.key}\``), s.key);
  });
  test("settings table lists every setting with its default", () => {
    const md = settingsMarkdown();
    assert.match(md, /\| `proxyBodySize` \| string \| `"1m"` \|/);
    assert.match(md, /\| `sslProtocols` \| string\[\] \| `\["TLSv1.2","TLSv1.3"\]` \|/);
    assert.match(md, /\| `workerProcesses` \| int-or-string \| `"auto"` \|/);
  });
});

test("proxy-max-temp-file-size in g becomes m (nginx reads that directive with k and m only)", () => {
  assert.equal(String(parseAnnotations({ "nginx.ingress.kubernetes.io/proxy-max-temp-file-size": "1g" }).values.proxyMaxTempFileSize), "1024m");
  assert.equal(parseAnnotations({ "nginx.ingress.kubernetes.io/proxy-max-temp-file-size": "5000000g" }).errors.length, 1);
});
