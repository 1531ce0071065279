// What the rendered config lets traffic and tenants grow: logs go to stdout/stderr (no file), temp
// files and the pid stay under tmp/, one buffered response spills at most the setting, and the
// certificate dictionary is sized from the certificates the state carries.

import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "./build.js";
import { certificateDictMiB, certificateSetBytes, MIN_CERTIFICATE_DICT_MIB } from "./render/shared-dicts.js";
import { DEFAULT_SETTINGS, type Settings } from "./settings.js";
import { ingress, path, service, slice, snapshot } from "./test-objects.js";

const snap = (annotations?: Record<string, string>, settings: Partial<Settings> = {}) =>
  snapshot({
    ingresses: [ingress("web", [{ host: "a.example", paths: [path("/", "Prefix", "web")] }], annotations ? { annotations } : {})],
    services: [service("web")],
    endpointSlices: [slice("web", ["198.18.0.10"])],
    settings: { ...DEFAULT_SETTINGS, ...settings },
  });

const directives = (config: string, name: string) => config.split("\n").filter((l) => l.trim().startsWith(`${name} `));

test("logs go to stdout and stderr; the pid and every temp path stay under tmp/", () => {
  const config = build(snap()).state.config;
  assert.deepEqual(directives(config, "error_log"), ["error_log stderr notice;"]);
  assert.deepEqual(
    directives(config, "access_log").filter((l) => !l.includes(" off;")),
    ["  access_log /dev/stdout portico_json buffer=64k flush=1s;"],
  );
  assert.deepEqual(directives(config, "pid"), ["pid tmp/nginx.pid;"]);
  for (const p of ["client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"]) {
    const [line] = directives(config, p);
    assert.match(line ?? "", new RegExp(`^  ${p} tmp/[a-z_]+;$`), p);
  }
  assert.ok(!/\blogs\//.test(config), "no path under logs/");
});

test("proxy_max_temp_file_size: the setting (default 128m) bounds the annotation", () => {
  assert.deepEqual(directives(build(snap()).state.config, "proxy_max_temp_file_size"), ["  proxy_max_temp_file_size 128m;"]);
  const custom = build(snap(undefined, { proxyMaxTempFileSize: "32m" })).state.config;
  assert.deepEqual(directives(custom, "proxy_max_temp_file_size"), ["  proxy_max_temp_file_size 32m;"]);

  const small = build(snap({ "nginx.ingress.kubernetes.io/proxy-max-temp-file-size": "16m" }));
  assert.ok(small.state.config.includes("      proxy_max_temp_file_size 16m;"), "below the cap: as asked");
  assert.ok(!small.diagnostics.some((d) => d.reason === "AnnotationClamped"));

  const huge = build(snap({ "nginx.ingress.kubernetes.io/proxy-max-temp-file-size": "100g" }));
  assert.ok(!huge.state.config.includes("100g"));
  assert.ok(huge.state.config.includes("      proxy_max_temp_file_size 128m;"), "above the cap: the cap");
  const d = huge.diagnostics.find((x) => x.reason === "AnnotationClamped");
  assert.match(d?.message ?? "", /proxy-max-temp-file-size: 100g is above settings\.proxyMaxTempFileSize \(128m\)/);
  assert.equal(d?.object.name, "web");
});

test("the certificate dictionary is sized from the certificate set: three generations, a power of two, at least 64m", () => {
  assert.equal(certificateDictMiB({}, {}), MIN_CERTIFICATE_DICT_MIB);
  assert.match(build(snap()).state.config, /lua_shared_dict portico_certificates 64m;/);
  const pair = (kib: number) => ({ certificate: "c".repeat(kib * 1024), key: "k".repeat(2048) });
  // 100 certificates of ~256 KiB: ~26 MiB a set, three sets -> 128 MiB.
  const certs = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`id-${i}`, pair(256)]));
  const sni = Object.fromEntries(Object.keys(certs).map((id) => [`${id}.example`, id]));
  const bytes = certificateSetBytes(sni, certs);
  assert.ok(bytes >= 100 * 258 * 1024, `${bytes}`);
  const mib = certificateDictMiB(sni, certs);
  assert.equal(mib, 128);
  assert.ok(mib * 2 ** 20 >= 3 * bytes);
  // Small changes keep the size (no reload); growth past the bucket doubles it.
  assert.equal(certificateDictMiB({ ...sni, "x.example": "id-1" }, certs), 128);
  const more = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`id-${i}`, pair(256)]));
  assert.equal(certificateDictMiB(sni, more), 256);
});
