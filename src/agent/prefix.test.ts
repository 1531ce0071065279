// The prefix layout: what lands where, and the tmp link of the pod layout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrefixLayout } from "./prefix.js";

test("prepare: lua/ and tmp/ in the prefix, no logs/; with a temp link, tmp is a symlink to it (replacing a directory)", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "portico-prefix-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const plain = new PrefixLayout(join(root, "plain"));
  await plain.prepare();
  assert.deepEqual(readdirSync(plain.prefix).sort(), ["conf", "lua", "tmp"]);
  assert.ok(lstatSync(join(plain.prefix, "tmp")).isDirectory());
  assert.equal(plain.pidFile, join(plain.prefix, "tmp", "nginx.pid"));

  const podPrefix = join(root, "pod");
  mkdirSync(join(podPrefix, "tmp"), { recursive: true });
  writeFileSync(join(podPrefix, "tmp", "left-over"), "x");
  const target = join(root, "nginx-tmp");
  const pod = new PrefixLayout(podPrefix, join(root, "conf"), target);
  await pod.prepare();
  assert.ok(lstatSync(join(podPrefix, "tmp")).isSymbolicLink());
  assert.equal(readlinkSync(join(podPrefix, "tmp")), target);
  await pod.prepare(); // idempotent
  assert.equal(readlinkSync(join(podPrefix, "tmp")), target);
  assert.deepEqual(readdirSync(podPrefix).sort(), ["lua", "tmp"]);
});
