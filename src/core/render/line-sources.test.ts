// The printer's line -> Ingress map: an nginx -t error at a line of a location names the Ingress
// the location came from (pure), and real nginx's error lines land in those ranges.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { b, d, printWithSources, sourceOfLine } from "./writer.js";
import { lit } from "../nginx-values.js";
import { build } from "../build.js";
import { ingress, path, service, snapshot } from "../test-objects.js";
import { NginxPrefix } from "../../testing/nginx-prefix.js";

describe("line sources", () => {
  test("nested blocks map each of their lines to the innermost source", () => {
    const tree = [
      d("a", lit("1")),
      b(
        "server",
        [],
        [
          { ...b("location", [lit("/x")], [d("return", lit("200"))]), source: "ns/x" },
          { ...d("y", lit("2")), source: "ns/y" },
        ],
      ),
    ];
    const { text, sources } = printWithSources(tree, 2);
    const lines = ["", "#header", ...text.split("\n")]; // 1-based with the header as line 1
    assert.equal(lines[3], "server {");
    assert.equal(lines[4], "  location /x {");
    assert.equal(lines[6], "  }");
    assert.deepEqual(sources, [
      { start: 4, end: 6, source: "ns/x" },
      { start: 7, end: 7, source: "ns/y" },
    ]);
    assert.equal(sourceOfLine(sources, 5), "ns/x");
    assert.equal(sourceOfLine(sources, 7), "ns/y");
    assert.equal(sourceOfLine(sources, 3), undefined);
    assert.equal(sourceOfLine([{ start: 1, end: 9, source: "outer" }, ...sources], 5), "ns/x");
  });

  test("the build maps the lines of each location to its Ingress", () => {
    const r = build(
      snapshot({
        ingresses: [
          ingress("one", [{ host: "a.com", paths: [path("/one", "Prefix", "svc")] }]),
          ingress("two", [{ host: "b.com", paths: [path("/two", "Exact", "svc")] }], { namespace: "team" }),
        ],
        services: [service("svc"), service("svc", "team")],
      }),
    );
    const lines = r.state.config.split("\n");
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    assert.equal(sourceOfLine(r.lineSources, at('location = "/one"')), "default/one");
    assert.equal(sourceOfLine(r.lineSources, at('location = "/two"')), "team/two");
    assert.equal(sourceOfLine(r.lineSources, at('server_name "a.com"')), undefined);
  });

  test("real nginx's error line for a regex PCRE refuses falls in its Ingress's range", { skip: !NginxPrefix.luaAvailable() }, () => {
    const huge = "/" + "(?:[a-z][0-9][A-Z]\\.){255}".repeat(4); // in the grammar; too large for PCRE2's compiled-size limit
    const r = build(
      snapshot({
        ingresses: [
          ingress("good", [{ host: "a.com", paths: [path("/", "Prefix", "svc")] }]),
          ingress("huge", [{ host: "b.com", paths: [path(huge, "ImplementationSpecific", "svc")] }], {
            annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" },
          }),
        ],
        services: [service("svc")],
      }),
    );
    const prefix = new NginxPrefix();
    try {
      const err = prefix.test(r.state.config) ?? "";
      const line = Number(/nginx\.conf:(\d+)/.exec(err)?.[1]);
      assert.ok(line > 0, err);
      assert.equal(sourceOfLine(r.lineSources, line), "default/huge");
    } finally {
      prefix.remove();
    }
  });
});
