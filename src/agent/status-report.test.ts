import { test } from "node:test";
import assert from "node:assert/strict";
import { AGENT_STATUS_FIELDS } from "../api/status-owners.js";
import { reportedStatus } from "./status-report.js";

const base = {
  appliedHashes: { config: "c1", endpoints: "e1", certificates: "k1" },
  desiredHashes: { config: "c2", endpoints: "e1", certificates: "k1" },
  reloads: 3,
  restarts: 0,
  lastError: null,
  lastAppliedAt: null,
  nginxRunning: true,
  nginxPid: 1,
};

test("the report carries the applied config hash, reloads and an empty error when healthy", () => {
  assert.deepEqual(reportedStatus(base), { appliedConfigHash: "c1", reloads: 3, lastError: "", refusedConfig: null });
});

test("an error names the part that failed", () => {
  const r = reportedStatus({ ...base, lastError: { part: "config", message: "nginx -t: unknown directive", at: "t" } as never });
  assert.equal(r.lastError, "config: nginx -t: unknown directive");
});

test("the agent reports exactly the status fields the API server lets it write (src/api/status-owners.ts)", () => {
  assert.deepEqual(Object.keys(reportedStatus(base)).sort(), [...AGENT_STATUS_FIELDS].sort());
});

test("a refusal that names a line of nginx.conf is reported with the config's hash", () => {
  const r = reportedStatus({ ...base, lastError: { part: "config", message: "nginx -t refused: too large", hash: "c2", line: 190, at: "t" } });
  assert.deepEqual(r.refusedConfig, { hash: "c2", line: 190, message: "nginx -t refused: too large" });
  assert.equal(reportedStatus({ ...base, lastError: { part: "config", message: "reload failed", hash: "c2", at: "t" } }).refusedConfig, null);
});
