// `npm run images`: builds Portico's images from images/*/Dockerfile, offline, into
// .portico/images/<name>.tar (docker-archive, tagged as the chart references them). Each image is
// rebuilt only when its input key changes (Dockerfile and staged context, declared inputs of the
// expensive staging, base recipe, this builder's recipe version); a failed build keeps the previous
// archive and names the step that failed. See images/README.md.
//   --check          report what is stale and exit 1 if anything is; builds nothing
//   --only a,b       only these images (archive names, e.g. portico-nginx,pause)
//   --contexts       stage every build context (for `docker build` in a release pipeline); no build
//   --refresh-base   rebuild the Debian roots (picks up Debian's updates; every image is rebuilt)
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, cpSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { BASES, BaseStore, baseFor, type BaseRecipe } from "./base.js";
import { Buildah } from "./buildah.js";
import { archivePath, IMAGES, imagesDir, sourceDir, type ImageSpec } from "./catalog.js";
import { externalBases, failedStep } from "./dockerfile.js";
import { closeLog, CommandError, openLog, tail } from "./exec.js";
import { inputKey, treeEntries } from "./hash.js";
import { missingTools } from "./tools.js";

/** Bump when the way images are built changes in a way the inputs do not show. */
const RECIPE_VERSION = "1";

const say = (msg: string) => console.error(`portico images: ${msg}`);

interface Options {
  check: boolean;
  contexts: boolean;
  refreshBase: boolean;
  only?: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { check: false, contexts: false, refreshBase: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--check") o.check = true;
    else if (a === "--contexts") o.contexts = true;
    else if (a === "--refresh-base") o.refreshBase = true;
    else if (a === "--only") o.only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a.startsWith("--only=")) o.only = a.slice(7).split(",").filter(Boolean);
    else throw new Error(`unknown argument "${a}" (--check, --only a,b, --contexts, --refresh-base)`);
  }
  const unknown = (o.only ?? []).filter((n) => !IMAGES.some((i) => i.name === n));
  if (unknown.length) throw new Error(`--only: unknown image ${unknown.join(", ")} (known: ${IMAGES.map((i) => i.name).join(", ")})`);
  return o;
}

interface Planned {
  spec: ImageSpec;
  ctx: string;
  bases: BaseRecipe[];
  key: string;
  current: boolean;
}

const dirs = {
  context: join(imagesDir, "context"),
  logs: join(imagesDir, "logs"),
  keys: join(imagesDir, "keys"),
  bases: join(imagesDir, "bases"),
  store: join(imagesDir, "store"),
};

async function plan(spec: ImageSpec, baseStore: BaseStore): Promise<Planned> {
  const ctx = join(dirs.context, spec.name);
  rmSync(ctx, { recursive: true, force: true });
  cpSync(join(sourceDir, spec.dir), ctx, { recursive: true });
  await spec.stage?.(ctx);
  const dockerfile = readFileSync(join(ctx, "Dockerfile"), "utf8");
  const bases = externalBases(dockerfile).map((from) => {
    const b = baseFor(from);
    if (!b) throw new Error(`${join(sourceDir, spec.dir)}/Dockerfile: FROM ${from} has no local root recipe (scripts/images/base.ts knows ${baseListing()})`);
    return b;
  });
  const baseKeys = await Promise.all(bases.map((b) => baseStore.recipeKey(b)));
  const heavy = spec.heavy ? await spec.heavy.inputs() : {};
  const key = inputKey({
    recipe: RECIPE_VERSION,
    ref: spec.ref,
    context: treeEntries(ctx),
    bases: baseKeys,
    ...Object.fromEntries(Object.entries(heavy).map(([k, v]) => [`heavy.${k}`, v])),
  });
  const keyFile = join(dirs.keys, `${spec.name}.key`);
  const current = existsSync(archivePath(spec.name)) && existsSync(keyFile) && readFileSync(keyFile, "utf8").trim() === key;
  return { spec, ctx, bases, key, current };
}

function baseListing(): string {
  return BASES.map((b) => b.from).join(", ");
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Builds one image; on failure the previous archive stays and the error names the step. */
async function buildImage(p: Planned, buildah: Buildah, baseStore: BaseStore, readyBases: Set<string>): Promise<void> {
  const logFile = join(dirs.logs, `${p.spec.name}.log`);
  const log = openLog(logFile);
  let step = "staging";
  try {
    for (const b of p.bases) {
      if (readyBases.has(b.from)) continue;
      step = `base root ${b.from} (mmdebstrap ${b.suite})`;
      if (!(await baseStore.current(b))) {
        say(`building the ${b.from} root with mmdebstrap (once per recipe; log: ${logFile})`);
        await baseStore.build(b, log);
      }
      readyBases.add(b.from);
    }
    if (p.spec.heavy) {
      step = "staging the build context";
      await p.spec.heavy.stage(p.ctx, log);
    }
    step = "buildah bud";
    await buildah.bud(p.ctx, p.spec.ref, { log });
    step = "writing the archive";
    const out = archivePath(p.spec.name);
    const tmp = `${out}.tmp`;
    rmSync(tmp, { force: true });
    await buildah.pushArchive(p.spec.ref, tmp, { log });
    renameSync(tmp, out);
    writeFileSync(join(dirs.keys, `${p.spec.name}.key`), p.key + "\n");
  } catch (e) {
    const detail = e instanceof CommandError ? (failedStep(e.output) ?? e.command) : (e as Error).message;
    const why = e instanceof CommandError ? tail(e.output, 6) : "";
    throw new Error(`${p.spec.name}: ${step} failed${step === "buildah bud" ? ` at ${detail}` : `: ${detail}`}\n${why}\n  full log: ${logFile}`);
  } finally {
    await closeLog(log);
  }
}

function writeIndex(): void {
  const index = IMAGES.filter((s) => existsSync(archivePath(s.name))).map((s) => ({
    name: s.name,
    ref: s.ref,
    archive: archivePath(s.name),
    bytes: statSync(archivePath(s.name)).size,
    role: s.role,
  }));
  writeFileSync(join(imagesDir, "index.json"), JSON.stringify(index, null, 2) + "\n");
}

/** One build at a time per worktree (two would race on the contexts and the store). */
function lock(): () => void {
  const file = join(imagesDir, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch {
      const pid = Number(readFileSync(file, "utf8"));
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        /* stale lock */
      }
      if (alive) throw new Error(`another \`npm run images\` (pid ${pid}) is running in this worktree; wait for it`);
      unlinkSync(file);
    }
  }
  throw new Error(`cannot take ${file}`);
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const missing = missingTools(opts.contexts);
  if (missing.length) {
    say(`missing host tools: ${missing.join(", ")} (bash scripts/images/tools.sh installs them with apt)`);
    return 1;
  }
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const unlock = lock();
  try {
    const buildah = new Buildah(dirs.store);
    const baseStore = new BaseStore(dirs.bases, buildah);
    const selected = IMAGES.filter((s) => !opts.only || opts.only.includes(s.name));
    const t0 = Date.now();
    const planned: Planned[] = [];
    for (const s of selected) planned.push(await plan(s, baseStore));
    if (opts.refreshBase) {
      for (const f of [...new Set(planned.flatMap((p) => p.bases))]) rmSync(join(dirs.bases, `${f.from.replace(/[^a-z0-9.-]/gi, "_")}.json`), { force: true });
      for (const p of planned) p.current = false;
    }
    if (opts.contexts) {
      for (const p of planned) {
        const log = openLog(join(dirs.logs, `${p.spec.name}.context.log`));
        try {
          await p.spec.heavy?.stage(p.ctx, log);
        } finally {
          await closeLog(log);
        }
        say(`${p.spec.name}: context ${p.ctx} (docker build -t ${p.spec.ref} ${p.ctx})`);
      }
      return 0;
    }
    const stale = planned.filter((p) => !p.current);
    if (opts.check) {
      for (const p of planned) say(`${p.spec.name}: ${p.current ? "current" : "stale"} (${p.spec.ref})`);
      say(`${stale.length ? `${stale.length} stale` : "all current"} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      return stale.length ? 1 : 0;
    }
    const failures: string[] = [];
    const timings = new Map<string, number>();
    const readyBases = new Set<string>();
    for (const p of stale) {
      const t = Date.now();
      say(`${p.spec.name}: building ${p.spec.ref}`);
      try {
        await buildImage(p, buildah, baseStore, readyBases);
        timings.set(p.spec.name, (Date.now() - t) / 1000);
      } catch (e) {
        failures.push((e as Error).message);
        say((e as Error).message);
        say(`${p.spec.name}: ${existsSync(archivePath(p.spec.name)) ? "kept the previous archive" : "no archive"}`);
      }
    }
    // Images the new builds replaced (untagged, nothing built on them) would pile up in the store;
    // the layer cache the next build reuses stays.
    if (timings.size) await buildah.run(["rmi", "--prune"]).catch(() => undefined);
    writeIndex();
    for (const p of planned) {
      const a = archivePath(p.spec.name);
      const state = timings.has(p.spec.name) ? `built in ${timings.get(p.spec.name)!.toFixed(0)} s` : p.current ? "current" : "FAILED";
      say(`${p.spec.name.padEnd(24)} ${p.spec.ref.padEnd(50)} ${existsSync(a) ? mb(statSync(a).size).padStart(9) : "-".padStart(9)}  ${state}`);
    }
    say(`${failures.length ? `${failures.length} failed` : "done"} in ${((Date.now() - t0) / 1000).toFixed(1)} s; archives in ${imagesDir}`);
    return failures.length ? 1 : 0;
  } finally {
    unlock();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    say((e as Error).message);
    process.exit(1);
  },
);
