// A desired state read from a directory: nginx.conf, endpoints.json ({upstream: [{address, port}]}),
// balancing.json ({upstream: policy}), certificates.json ({sniCertificates, certificates, files}).
// Missing JSON files mean "none"; their shapes are checked by the same rules as the API's state
// objects (core/state-objects.ts). Watched with fs.watch, with polling as a fallback (fs.watch
// misses events on some filesystems). The files are written one by one, so a read midway through a
// writer's files would mix two states: a new state is delivered only once a second read, settleMs
// later, finds the same.
import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DesiredState } from "../core/contract.js";
import { validateBalancing, validateCertificates, validateEndpoints } from "../core/state-objects.js";
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
    const endpoints = await this.readPart("endpoints.json", {}, validateEndpoints);
    const balancing = await this.readPart("balancing.json", {}, validateBalancing);
    const certs = await this.readPart("certificates.json", { sniCertificates: {}, certificates: {} }, validateCertificates);
    return desiredStateFromParts(config, endpoints, certs.sniCertificates, certs.certificates, { balancing, files: certs.files });
  }

  private async readPart<T>(name: string, missing: unknown, validate: (v: unknown) => T): Promise<T> {
    const file = join(this.dir, name);
    const v = await readJson(file, missing);
    try {
      return validate(v);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
  }

  async start(onState: (state: DesiredState) => void, onError: (error: Error) => void): Promise<void> {
    const check = () => {
      this.reading = this.reading.then(async () => {
        try {
          const s = await this.read();
          this.lastError = "";
          if (s.hashes.all !== this.lastHash) {
            await new Promise((r) => setTimeout(r, this.opts.settleMs ?? 50));
            // Changed again since: the writer is midway; its next change (or the poll) reads again.
            if ((await this.read()).hashes.all !== s.hashes.all) return;
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
