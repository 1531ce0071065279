import { test } from "node:test";
import assert from "node:assert/strict";
import { DiagnosticLedger } from "./diagnostics.js";
import type { Diagnostic } from "../core/contract.js";

const d = (reason: string): Diagnostic => ({ object: { kind: "Ingress", namespace: "n", name: "i" }, severity: "Warning", reason, message: `m ${reason}` });

test("a persisting diagnostic is reported once; one that returns is reported again", () => {
  const l = new DiagnosticLedger();
  assert.deepEqual(
    l.fresh([d("A"), d("A")]).map((x) => x.reason),
    ["A"],
  );
  assert.deepEqual(
    l.fresh([d("A"), d("B")]).map((x) => x.reason),
    ["B"],
  );
  assert.deepEqual(
    l.fresh([d("B")]).map((x) => x.reason),
    [],
  );
  assert.deepEqual(
    l.fresh([d("A"), d("B")]).map((x) => x.reason),
    ["A"],
  );
});
