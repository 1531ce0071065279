// Redirect codes as ingress-nginx accepts them, with the values nginx cannot serve as a redirect
// (and those ingress-nginx silently replaced) refused with the reason.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseAnnotations } from "./registry.js";

const N = "nginx.ingress.kubernetes.io/";
const parse = (a: Record<string, string>) => parseAnnotations(Object.fromEntries(Object.entries(a).map(([k, v]) => [`${N}${k}`, v])));

describe("redirect codes", () => {
  test("permanent-redirect-code: 301, 302, 303, 307, 308", () => {
    for (const c of [301, 302, 303, 307, 308]) assert.equal(parse({ "permanent-redirect-code": String(c) }).values.permanentRedirectCode, c);
    assert.deepEqual(
      parse({ "permanent-redirect-code": "300" }).errors.map((e) => e.message),
      [
        `${N}permanent-redirect-code: 300 must be one of 301, 302, 303, 307, 308: for 300 nginx sends the URL as the body, with no Location header (so did ingress-nginx)`,
      ],
    );
    assert.match(parse({ "permanent-redirect-code": "200" }).errors[0]!.message, /ingress-nginx would silently answer 301 instead/);
    assert.match(parse({ "permanent-redirect-code": "30x" }).errors[0]!.message, /is not an integer/);
  });
  test("temporal-redirect-code: 301, 302, 303, 307; 308 is refused (ingress-nginx silently answered 302)", () => {
    for (const c of [301, 302, 303, 307]) assert.equal(parse({ "temporal-redirect-code": String(c) }).values.temporalRedirectCode, c);
    assert.match(
      parse({ "temporal-redirect-code": "308" }).errors[0]!.message,
      /308 must be one of 301, 302, 303, 307 \(ingress-nginx would silently answer 302 instead\)/,
    );
    assert.match(parse({ "temporal-redirect-code": "305" }).errors[0]!.message, /no Location header/);
  });
  test("capture references in redirect URLs are refused, as ingress-nginx's validation does", () => {
    assert.match(parse({ "permanent-redirect": "https://a.example.com/$1" }).errors[0]!.message, /ingress-nginx refuses '\$' in this annotation too/);
  });
  test("proxy-buffers-number written as nginx's proxy_buffers: the default, as ingress-nginx, with a warning naming the fix", () => {
    const r = parse({ "proxy-buffers-number": "8 32k" });
    assert.deepEqual(r.errors, []);
    assert.equal(r.values.proxyBuffersNumber, undefined);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!.message, /the default \(4\) is used, as ingress-nginx did; write .*proxy-buffers-number: "8" and proxy-buffer-size: "32k"/);
    assert.equal(parse({ "proxy-buffers-number": "8 x" }).errors.length, 1); // anything else is still refused
  });
});
