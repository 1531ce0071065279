import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseAnnotations } from "./registry.js";

const N = "nginx.ingress.kubernetes.io/";

describe("auth-tls annotations", () => {
  test("values as ingress-nginx writes them", () => {
    const r = parseAnnotations({
      [`${N}auth-tls-secret`]: "default/ca-secret",
      [`${N}auth-tls-verify-client`]: "optional_no_ca",
      [`${N}auth-tls-verify-depth`]: "0",
      [`${N}auth-tls-error-page`]: "http://www.mysite.com/error-cert.html",
      [`${N}auth-tls-pass-certificate-to-upstream`]: "true",
      [`${N}auth-tls-match-cn`]: "CN=(alice|bob)",
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.values, {
      authTlsSecret: "default/ca-secret",
      authTlsVerifyClient: "optional_no_ca",
      authTlsVerifyDepth: 0,
      authTlsErrorPage: "http://www.mysite.com/error-cert.html",
      authTlsPassCertificateToUpstream: true,
      authTlsMatchCn: "CN=(alice|bob)",
    });
  });

  test("bad values are refused (fail closed), naming the key and the reason", () => {
    const cases: [string, string, RegExp][] = [
      ["auth-tls-verify-client", "required", /must be on, off, optional or optional_no_ca/],
      ["auth-tls-verify-depth", "-1", /is not an integer/],
      ["auth-tls-error-page", "javascript:alert(1)", /must be an http\(s\) URL or an absolute path/],
      ["auth-tls-match-cn", "O=Org", /must start with "CN="/],
      ["auth-tls-match-cn", 'CN=a" ; return 200', /regex/],
      ["auth-tls-secret", "../x", /must be a Secret name or namespace\/name/],
    ];
    for (const [key, raw, why] of cases) {
      const r = parseAnnotations({ [`${N}auth-tls-secret`]: "ca", [`${N}${key}`]: raw });
      const e = r.errors.find((x) => x.key === `${N}${key}`);
      assert.ok(e, `${key}: ${raw} accepted`);
      assert.match(e.message, why);
      assert.equal(e.dropsIngress, true, `${key} controls access: its bad value drops the Ingress`);
    }
  });

  test("auth-tls-* without auth-tls-secret is refused; verify-client off asks for nothing", () => {
    for (const key of [
      "auth-tls-verify-client",
      "auth-tls-verify-depth",
      "auth-tls-match-cn",
      "auth-tls-error-page",
      "auth-tls-pass-certificate-to-upstream",
    ]) {
      const value = {
        "auth-tls-verify-client": "on",
        "auth-tls-verify-depth": "2",
        "auth-tls-match-cn": "CN=a",
        "auth-tls-error-page": "/e",
        "auth-tls-pass-certificate-to-upstream": "true",
      }[key]!;
      const r = parseAnnotations({ [`${N}${key}`]: value });
      assert.match(r.errors.map((e) => e.message).join(), /needs auth-tls-secret/, key);
    }
    assert.deepEqual(parseAnnotations({ [`${N}auth-tls-verify-client`]: "off" }).errors, []);
  });
});
