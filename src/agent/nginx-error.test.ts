import { test } from "node:test";
import assert from "node:assert/strict";
import { refusedLine } from "./nginx-error.js";

test("the line of the first [emerg] naming nginx.conf, even when the message quotes ' in '", () => {
  const out = [
    'nginx: [warn] conflicting server name "a.com" on 0.0.0.0:80, ignored in /p/conf/ab/nginx.conf:7',
    'nginx: [emerg] pcre2_compile() failed: regular expression is too large in "^/(?:a in b){255}" in /p/conf/ab/nginx.conf:190',
    "nginx: configuration file /p/conf/ab/nginx.conf test failed",
  ].join("\n");
  assert.equal(refusedLine(out), 190);
});

test("no line when the error names none (a hash that cannot be built, a missing file)", () => {
  assert.equal(refusedLine("nginx: [emerg] could not build server_names_hash, you should increase server_names_hash_bucket_size: 64"), undefined);
  assert.equal(refusedLine('nginx: [emerg] open() "/x/mime.types" failed (2: No such file or directory) in /x/other.conf:3'), undefined);
});
