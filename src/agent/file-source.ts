// A desired state read from a directory: nginx.conf, endpoints.json ({upstream: [{address, port}]}),
// certificates.json ({sniCertificates, certificates}). Missing JSON files mean "none". Watched with
// fs.watch, with polling as a fallback (fs.watch misses events on some filesystems).
import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DesiredState } from "../core/contract.js";
import { validateCertificatesPart, validateEndpointsPart } from "./validate-parts.js";
import type { DesiredStateSource } from "./source.js";
import { desiredStateFromParts } from "./state-hash.js";

export interface FileSourceOptions {
  pollIntervalMs?: number; // default 1000
  /** Quiet time after a change event before reading (writers often write several files). */
  settleMs?: number; // default 50
}

export class FileSource implements DesiredStateSource {
  readonly description: string;
  private watcher: FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private settle: NodeJS.Timeout | null = null;
  private lastHash = "";
  private lastError = "";
  private reading: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly opts: FileSourceOptions = {},
  ) {
    this.description = `file:${dir}`;
  }

  /** Reads the directory once. */
  async read(): Promise<DesiredState> {
    const config = await readFile(join(this.dir, "nginx.conf"), "utf8");
    const endpoints = validateEndpointsPart(await readJson(join(this.dir, "endpoints.json"), {}), "endpoints.json");
    const certs = validateCertificatesPart(await readJson(join(this.dir, "certificates.json"), { sniCertificates: {}, certificates: {} }), "certificates.json");
    return desiredStateFromParts(config, endpoints, certs.sniCertificates, certs.certificates);
  }

  async start(onState: (state: DesiredState) => void, onError: (error: Error) => void): Promise<void> {
    const check = () => {
      this.reading = this.reading.then(async () => {
        try {
          const s = await this.read();
          this.lastError = "";
          if (s.hashes.all !== this.lastHash) {
            this.lastHash = s.hashes.all;
            onState(s);
          }
        } catch (e) {
          const msg = (e as Error).message;
          if (msg !== this.lastError) onError(e as Error); // report each distinct problem once
          this.lastError = msg;
        }
      });
      return this.reading;
    };
    const schedule = () => {
      if (this.settle) clearTimeout(this.settle);
      this.settle = setTimeout(() => void check(), this.opts.settleMs ?? 50);
    };
    try {
      this.watcher = watch(this.dir, schedule);
      this.watcher.on("error", () => undefined); // polling still covers us
    } catch {
      // no fs.watch here: polling only
    }
    this.poll = setInterval(() => void check(), this.opts.pollIntervalMs ?? 1000);
    await check();
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.settle) clearTimeout(this.settle);
    await this.reading;
  }
}

async function readJson(file: string, missing: unknown): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return missing;
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}
