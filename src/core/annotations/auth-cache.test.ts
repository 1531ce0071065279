// auth-cache-key / auth-cache-duration: what is accepted, what is refused (naming the key, dropping
// the Ingress: they belong to authentication), and the cache key's tenancy prefix.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseAnnotations } from "./registry.js";
import { authCacheKeyToken } from "../nginx-values.js";

const N = "nginx.ingress.kubernetes.io/";
const url = { [`${N}auth-url`]: "https://auth.example.com/check" };

describe("auth cache annotations", () => {
  test("a key of variables and durations by status parse", () => {
    const r = parseAnnotations({ ...url, [`${N}auth-cache-key`]: "$remote_user$http_authorization", [`${N}auth-cache-duration`]: "200 202  10m, 401 30s" });
    assert.deepEqual(r.errors, []);
    assert.equal(r.values.authCacheKey, "$remote_user$http_authorization");
    assert.deepEqual(r.values.authCacheDuration, ["200 202 10m", "401 30s"]);
  });
  const bad: [string, string, RegExp][] = [
    ["auth-cache-key", "$document_root", /a variable is not allowed/],
    ["auth-cache-key", '$http_authorization"; proxy_cache off; #', /only letters, digits/],
    ["auth-cache-key", "a b", /only letters, digits/],
    ["auth-cache-duration", "5m 200", /status codes come before the times/],
    ["auth-cache-duration", "200 202", /names no time/],
    ["auth-cache-duration", "200 5 minutes", /neither a status code nor a time/],
    ["auth-cache-duration", "999 5m", /not an HTTP status/],
  ];
  for (const [key, raw, re] of bad) {
    test(`${key}=${JSON.stringify(raw)} is refused and drops the Ingress`, () => {
      const r = parseAnnotations({ ...url, [`${N}auth-cache-key`]: "$http_authorization", [`${N}${key}`]: raw });
      assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
      assert.ok(r.errors[0]!.message.startsWith(`${N}${key}: `));
      assert.match(r.errors[0]!.message, re);
      assert.equal(r.errors[0]!.dropsIngress, true);
    });
  }
  test("a key without auth-url, or a duration without a key, is refused", () => {
    assert.match(parseAnnotations({ [`${N}auth-cache-key`]: "$http_authorization" }).errors[0]!.message, /needs auth-url/);
    assert.match(parseAnnotations({ ...url, [`${N}auth-cache-duration`]: "200 5m" }).errors[0]!.message, /needs auth-cache-key/);
  });
  test("the cache key starts with the server's host and the auth location; variables are written ${...}", () => {
    assert.equal(
      authCacheKeyToken("a.example.com", "/_portico_auth_0123", "$http_authorization-x"),
      '"a.example.com/_portico_auth_0123|${http_authorization}-x"',
    );
    assert.equal(authCacheKeyToken("_", "/_portico_auth_0123", "${host}x"), '"_/_portico_auth_0123|${host}x"');
    assert.throws(() => authCacheKeyToken("a.example.com", "/_portico_auth_0123", "$request_body"), /not allowed/);
  });
});
