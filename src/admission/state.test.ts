import { test } from "node:test";
import assert from "node:assert/strict";
import { AdmissionState } from "./state.js";
import { makeCert, tlsSecret } from "./testing/certs.js";

test("a relist of unchanged objects keeps the copies already held; a changed one replaces its copy", () => {
  const st = new AdmissionState();
  const cert = makeCert({ dnsNames: ["a.example"] });
  const first = tlsSecret("shop", "tls", cert, { resourceVersion: "5" });
  st.replaceAll("Secret", [first]);
  // A periodic relist brings the same versions again, as new objects.
  st.replaceAll("Secret", [structuredClone(first)]);
  assert.equal(st.context().secret("shop", "tls"), first, "one copy per object: the held one stays");
  const rotated = tlsSecret("shop", "tls", makeCert({ dnsNames: ["a.example"] }), { resourceVersion: "6" });
  st.upsert("Secret", rotated);
  assert.equal(st.context().secret("shop", "tls"), rotated);
});
