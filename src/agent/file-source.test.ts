// FileSource against the DesiredStateSource contract: a directory whose files a writer replaces one
// by one, each atomically (write, then rename).
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DesiredState } from "../core/contract.js";
import { describeDesiredStateSource } from "../testing/contracts/desired-state-source.js";
import { FileSource } from "./file-source.js";

const FILES = ["nginx.conf", "endpoints.json", "balancing.json", "certificates.json"];

describeDesiredStateSource("FileSource", async () => {
  const dir = mkdtempSync(join(tmpdir(), "portico-file-source-"));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, `.${name}.tmp`), text);
    renameSync(join(dir, `.${name}.tmp`), join(dir, name));
  };
  const texts = (s: DesiredState): Record<string, string> => ({
    "nginx.conf": s.config,
    "endpoints.json": JSON.stringify(s.endpoints),
    "balancing.json": JSON.stringify(s.balancing ?? {}),
    "certificates.json": JSON.stringify({ sniCertificates: s.sniCertificates, certificates: s.certificates, ...(s.files ? { files: s.files } : {}) }),
  });
  return {
    source: new FileSource(dir, { pollIntervalMs: 200 }),
    publish: async (s) => {
      for (const [name, text] of Object.entries(texts(s))) write(name, text);
    },
    // A writer that stopped midway through endpoints.json (written first, so no read can pair the
    // new config with the old endpoints).
    publishCorrupt: async (s) => {
      const t = texts(s);
      write("endpoints.json", t["endpoints.json"].slice(0, -3));
      write("nginx.conf", t["nginx.conf"]);
    },
    remove: async () => {
      for (const name of FILES) rmSync(join(dir, name), { force: true });
    },
    removal: "reported", // nginx.conf missing
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
