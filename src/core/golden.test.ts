// Golden tests: testdata/<case>.yaml -> testdata/<case>.nginx.conf (+ <case>.result.json with
// endpoints, SNI map, diagnostics), byte for byte; each golden also passes real `nginx -t`.
// UPDATE_GOLDEN=1 rewrites the goldens (review the diff by eye).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "./build.js";
import { NginxPrefix } from "../testing/nginx-prefix.js";
import { loadFixture, TESTDATA } from "./test-fixtures.js";

const update = process.env.UPDATE_GOLDEN === "1";
const cases = readdirSync(TESTDATA)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.slice(0, -5))
  .sort();

describe("golden configs", () => {
  let prefix: NginxPrefix;
  before(() => {
    prefix = new NginxPrefix();
  });
  after(() => prefix?.remove());

  for (const name of cases) {
    test(name, () => {
      const { snapshot, renderOptions } = loadFixture(readFileSync(join(TESTDATA, `${name}.yaml`), "utf8"));
      const result = build(snapshot, renderOptions);
      const summary =
        JSON.stringify(
          {
            servedIngresses: result.servedIngresses,
            endpoints: result.state.endpoints,
            sniCertificates: result.state.sniCertificates,
            certificateIds: Object.keys(result.state.certificates),
            diagnostics: result.diagnostics,
          },
          null,
          2,
        ) + "\n";
      const confFile = join(TESTDATA, `${name}.nginx.conf`);
      const resultFile = join(TESTDATA, `${name}.result.json`);
      if (update || !existsSync(confFile)) {
        writeFileSync(confFile, result.state.config);
        writeFileSync(resultFile, summary);
      }
      assert.equal(result.state.config, readFileSync(confFile, "utf8"), `${name}.nginx.conf differs (UPDATE_GOLDEN=1 to rewrite)`);
      assert.equal(summary, readFileSync(resultFile, "utf8"), `${name}.result.json differs (UPDATE_GOLDEN=1 to rewrite)`);
      const err = prefix.test(result.state.config, result.state.files);
      assert.equal(err, undefined, `nginx -t rejected ${name}: ${err}`);
    });
  }
});
