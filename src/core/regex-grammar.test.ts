// The regex grammar: what it accepts compiles in JavaScript (PCRE2 is checked by nginx -t in the
// property test and the goldens); what PCRE2 refuses or backtracks on is refused with a reason.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkRegex, MAX_REPEAT } from "./regex-grammar.js";
import { buildModel } from "./model/build-model.js";
import { LIMITS } from "./limits.js";
import { ingress, path, service, snapshot } from "./test-objects.js";

describe("regex grammar", () => {
  test("accepts the usual ingress-nginx paths", () => {
    for (const r of [
      "/api/v[0-9]+",
      "/something(/|$)(.*)",
      "/a\\.b",
      "/(?:x|y)",
      "/x{2,3}",
      "/[a-z-]+",
      "/[^/]+/x",
      "/a*?b",
      "/\\d{4}-\\d{2}",
      "/(?:ab){3}",
      "/[a-z]{0,255}",
      "/a?b?c?d?e?f?g?h?",
      "/.*[a-z]{0,63}",
      "/[a-z]{0,255}[0-9]{0,15}",
      "/x{1,3}y{1,3}z{1,3}",
      // one ambiguous unbounded quantifier, or unbounded ones nothing ambiguous precedes
      "/foo/(.+)/bar",
      "/(.*)/(.*)",
      "/.*x.*",
      "/[^/]+/[^/]+/(.*)",
      "/.*[a-z]{0,55}_x",
      "/[a-z]{0,255}[a-z]{0,255}_x",
      "/(?:a|ab)(?:c|cd)x",
    ]) {
      assert.equal(checkRegex(r), undefined, r);
      new RegExp(r);
    }
  });
  test("refuses what PCRE2 reads differently or refuses, and catastrophic backtracking", () => {
    const rows: [string, RegExp][] = [
      ["/[:alpha:]", /POSIX class/],
      ["/x{65536}", /must start a count/],
      [`/x{${MAX_REPEAT + 1}}`, /exceeds/],
      ["/x{,5}", /must start a count/],
      ["/[]", /empty character class/],
      ["/(a|aa)+$", /catastrophic/],
      ["/(a+)+", /catastrophic/],
      ["/(?:a*b)*", /catastrophic/],
      ["/.*.*x", /backtracking.*offsets 1, 3/],
      ["/[a-z]*[a-z]*_", /backtracking/],
      ["/(.*)/(.*)/x", /backtracking/],
      ["/.*[a-z]*x", /backtracking/],
      ["/[a-z]{0,255}[a-z]{0,255}[a-z]{0,255}_", /backtracking/],
      [`/${"a?".repeat(20)}x`, /backtracking/],
      ["/.*[a-z]{0,63}_", /backtracking/],
      ["/.*a?.*x", /backtracking/],
      [`/${"(a|aa)".repeat(20)}x`, /backtracking/],
      ["/((((((((((a))))))))))", /nested deeper/],
      ["/a*+", /possessive/],
      ["/a**", /repeated quantifier/],
      ["/^*", /cannot be repeated/],
      ["/\\1", /not an allowed escape/],
      ["/\\n", /not an allowed escape/],
      ["/(?=a)", /only non-capturing/],
      ["/a}", /must be escaped/],
      ["/[z-a]", /out of order/],
      ["/[\\d-z]", /cannot start or end/],
      ["/a(", /unbalanced/],
      ["/a)", /unbalanced/],
    ];
    for (const [r, why] of rows) assert.match(checkRegex(r) ?? "accepted", why, r);
  });
});

describe("regex paths per host", () => {
  test(`at most ${LIMITS.regexPathsPerHost} regex paths on one host; later ones are reported`, () => {
    const paths = Array.from({ length: LIMITS.regexPathsPerHost + 3 }, (_, i) => path(`/r${i}/.*`, "ImplementationSpecific", "svc"));
    const ing = ingress("many", [{ host: "h.com", paths }], { annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" } });
    const model = buildModel(snapshot({ ingresses: [ing], services: [service("svc")] }), { reservedPorts: [], httpsPort: 443 });
    assert.equal(model.servers[0]!.locations.filter((l) => l.match === "regex").length, LIMITS.regexPathsPerHost);
    assert.equal(model.diagnostics.filter((d) => d.reason === "RegexLimitExceeded").length, 3);
  });
});
