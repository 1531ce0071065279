import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  urlHostToken,
  validateUrlWithVariables,
  accessLogBufferArgs,
  parseSeconds,
  parseSize,
  serverNameToken,
  validateHost,
  validatePlainPath,
  validateRedirectUrl,
  validateRegexPath,
  validateRewriteTarget,
  lit,
} from "./nginx-values.js";
import { validatePath } from "./validate.js";

describe("hosts", () => {
  test("valid and invalid hosts, errors name the field", () => {
    for (const h of ["foo.com", "a.b-c.example.com", "*.foo.com", "FOO.com", "xn--bcher-kva.example"]) assert.equal(validateHost(h), undefined, h);
    for (const h of [
      "",
      "foo.com:80",
      "1.2.3.4",
      "*.com",
      "a.*.com",
      "-a.com",
      "a..com",
      "bücher.de",
      "a b.com",
      'a".com',
      "a;b.com",
      "a".repeat(64) + ".com",
    ]) {
      const e = validateHost(h, "spec.rules[0].host");
      assert.ok(e?.startsWith("spec.rules[0].host:"), `${h}: ${e}`);
    }
  });
  test("wildcard server_name regex matches exactly one label", () => {
    const tok = serverNameToken("*.foo.com");
    assert.equal(tok, '"~^[^.]+[.]foo[.]com$"');
    const re = new RegExp(tok.slice(2, -1));
    assert.ok(re.test("bar.foo.com"));
    assert.ok(!re.test("baz.bar.foo.com"));
    assert.ok(!re.test("foo.com"));
    assert.ok(!re.test("barfoo.com"));
  });
});

describe("paths", () => {
  test("plain paths", () => {
    for (const p of ["/", "/a", "/a/b/", "/a-b_c.d~e", "/%20x", "/a:b@c"]) assert.equal(validatePlainPath(p), undefined, p);
    for (const p of [
      "",
      "a",
      "/a b",
      "/a;b",
      "/a{b",
      '/a"b',
      "/a#b",
      "/a$b",
      "/a\\b",
      "/é",
      "/a%zz",
      "/a%2Fb",
      "/a//b",
      "/a/../b",
      "/a/.",
      "/" + "x".repeat(1100),
    ]) {
      assert.ok(validatePlainPath(p, "f")?.startsWith("f:"), p);
    }
  });
  test("regex paths: safe subset only", () => {
    for (const p of ["/api/v[0-9]+", "/something(/|$)(.*)", "/a\\.b", "/(?:x|y)", "/x{2,3}"]) assert.equal(validateRegexPath(p), undefined, p);
    for (const p of ["api", "/(?i)x", "/(?<=a)b", "/\\x41", "/\\Q", "/a(", "/a b", '/a"', "/a;", "/a#", "/é", "/(?C1)"]) assert.ok(validateRegexPath(p), p);
  });
  test("validatePath by pathType (admission helper)", () => {
    assert.equal(validatePath("/a(b)", "Prefix"), undefined);
    assert.equal(validatePath(undefined, "ImplementationSpecific"), undefined);
    assert.ok(validatePath(undefined, "Exact"));
    assert.ok(validatePath("/a(", "ImplementationSpecific", true));
    assert.equal(validatePath("/a(", "ImplementationSpecific", false), undefined);
    assert.ok(validatePath("/a", "Regex" as never)?.includes("pathType"));
  });
});

describe("values", () => {
  test("sizes and seconds", () => {
    assert.deepEqual(parseSize("8M", "s"), { ok: true, value: "8m" });
    assert.equal(parseSize("8 m", "s").ok, false);
    assert.equal(parseSize("1m;", "s").ok, false);
    assert.deepEqual(parseSeconds("30s", "t"), { ok: true, value: 30 });
    assert.equal(parseSeconds("0", "t").ok, false);
    assert.equal(parseSeconds("5000", "t").ok, false);
    // nginx's time syntax, as nginx reads it (largest unit first, each once)
    assert.deepEqual(parseSeconds("3h", "t", 1, 86400), { ok: true, value: 10800 });
    assert.deepEqual(parseSeconds("1h30m", "t", 1, 86400), { ok: true, value: 5400 });
    assert.deepEqual(parseSeconds("1d2h3m4s", "t", 1, 200000), { ok: true, value: 93784 });
    assert.deepEqual(parseSeconds("2h", "t"), { ok: false, error: 't: "2h" (7200 s) is outside 1..3600 seconds' });
    for (const bad of ["", "h", "3 h", "30m1h", "1h1h", "500ms", "3H", "1y", "3h;"]) assert.equal(parseSeconds(bad, "t", 0, 1e9).ok, false, bad);
  });
  test("redirect URLs and rewrite targets", () => {
    assert.equal(validateRedirectUrl("https://a.example.com:8443/x?y=1&z=%20", "u"), undefined);
    assert.equal(validateRedirectUrl("/relative", "u"), undefined);
    for (const u of ["javascript:alert(1)", "https://a.com/$host", "https://a.com/ x", "//evil.com", 'https://a.com/"', "https://a.com/#frag", "ftp://x"])
      assert.ok(validateRedirectUrl(u, "u"), u);
    for (const t of ["/$2", "/", "/api/$1/x", "$1", "https://a.com/$1"]) assert.equal(validateRewriteTarget(t, "r"), undefined, t);
    for (const t of ["/$host", "/$10", "/a b", '/"', "/a;b", "/${1}", ""]) assert.ok(validateRewriteTarget(t, "r"), t);
  });
  test("lit refuses anything that is not one bare token", () => {
    assert.throws(() => lit("a b"));
    assert.throws(() => lit("a;"));
    assert.throws(() => lit('"'));
  });
  test("access log buffering: buffer= and flush= of whole numbers, none for a zero buffer", () => {
    assert.deepEqual(accessLogBufferArgs(64, 1), ["buffer=64k", "flush=1s"]);
    assert.deepEqual(accessLogBufferArgs(0, 5), []);
    for (const bad of [-1, 1.5, 1025, NaN]) assert.throws(() => accessLogBufferArgs(bad, 1), String(bad));
    assert.throws(() => accessLogBufferArgs(8, -1));
  });
  test("URLs with variables: $request_uri may follow the host directly (a path), other variables may not", () => {
    assert.equal(validateUrlWithVariables("http://svc.ns.svc.cluster.local:8080$request_uri", "u"), undefined);
    assert.equal(validateUrlWithVariables("https://$host/oauth2/auth", "u"), undefined);
    for (const u of ["http://svc$request_uri_x", "staging-svc", "http://a b"]) assert.ok(validateUrlWithVariables(u, "u"), u);
    assert.equal(urlHostToken("http://svc:8080$request_uri"), '"svc:8080"');
  });
});
