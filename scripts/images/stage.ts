// What each build context holds beyond its images/<dir> files. The contexts live in
// .portico/images/context/<name>; a release pipeline runs `npm run images -- --contexts` and
// `docker build`s them (images/README.md).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { run } from "./exec.js";
import { sha256 } from "./hash.js";
import { moduleRequires, pruneControllerApp, PRUNE_RECIPE } from "./prune.js";

const root = new URL("../..", import.meta.url).pathname;

/** agent.mjs (the agent as one ESM bundle; `require` for the CommonJS dependencies) and lua/. */
export async function stageAgent(ctx: string): Promise<void> {
  await build({
    entryPoints: [join(root, "src/agent/main.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    outfile: join(ctx, "agent.mjs"),
    banner: { js: "import{createRequire}from'module';const require=createRequire(import.meta.url);" },
    logLevel: "error",
    legalComments: "none",
  });
  const lua = join(root, "src/agent/lua");
  mkdirSync(join(ctx, "lua"), { recursive: true });
  for (const f of readdirSync(lua).filter((f) => f.endsWith(".lua"))) copyFileSync(join(lua, f), join(ctx, "lua", f));
}

/** The fake pods' echo server, unchanged. */
export async function stageEcho(ctx: string): Promise<void> {
  copyFileSync(join(root, "src/local/cluster/echo-server.mjs"), join(ctx, "echo-server.mjs"));
}

function pinnedPepr(): string {
  const v = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies.pepr;
  if (!/^\d+\.\d+\.\d+$/.test(v ?? "")) throw new Error(`package.json: dependencies.pepr must be an exact version for the controller image, got "${v}"`);
  return v;
}

/** What Pepr's bundled module requires from node_modules (pepr, kubernetes-fluent-client...). */
function moduleExternals(): string[] {
  return moduleRequires(readFileSync(join(root, "helm/portico/templates/pepr/module-secret.yaml"), "utf8"));
}

export async function controllerInputs(): Promise<Record<string, string>> {
  return { pepr: pinnedPepr(), lock: sha256(readFileSync(join(root, "package-lock.json"))), prune: PRUNE_RECIPE, moduleRequires: moduleExternals().join(",") };
}

/** app/: pepr at the repository's pinned version with its production dependencies, at exactly the
 * versions of the repository's package-lock.json (npm prunes a copy of that lock to pepr's tree),
 * then pruned to what the controller loads. No "type" field: Pepr's module files are CommonJS. */
export async function stageController(ctx: string, log: WriteStream): Promise<void> {
  const app = join(ctx, "app");
  mkdirSync(app, { recursive: true });
  const pkg = { name: "portico-controller", version: "0.0.0", private: true, dependencies: { pepr: pinnedPepr() } };
  writeFileSync(join(app, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  copyFileSync(join(root, "package-lock.json"), join(app, "package-lock.json"));
  const npm = ["--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"];
  await run("npm", ["install", "--package-lock-only", ...npm], { cwd: app, log });
  await run("npm", ["ci", "--omit=dev", "--omit=peer", ...npm], { cwd: app, log });
  await pruneControllerApp(app, moduleExternals(), log);
}

/** k8s.io/kubernetes as the local cluster pins it (src/local/controlplane/go.mod). */
async function kubernetesModule(): Promise<{ version: string; dir: string }> {
  const gomod = readFileSync(join(root, "src/local/controlplane/go.mod"), "utf8");
  const version = /^\s*k8s\.io\/kubernetes\s+(v\S+)/m.exec(gomod)?.[1];
  if (!version) throw new Error("src/local/controlplane/go.mod: no k8s.io/kubernetes requirement (the pause source comes from that module)");
  const out = await run("go", ["mod", "download", "-json", `k8s.io/kubernetes@${version}`], { cwd: join(root, "src/local/controlplane") });
  const dir = (JSON.parse(out.slice(out.indexOf("{"))) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download k8s.io/kubernetes@${version}: no module directory in its answer`);
  return { version, dir };
}

const PAUSE_CFLAGS = ["-Os", "-Wall", "-Werror", "-static"];

async function pauseSource(): Promise<{ source: string; tag: string }> {
  const { dir } = await kubernetesModule();
  const makefile = readFileSync(join(dir, "build/pause/Makefile"), "utf8");
  const tag = /^TAG \?= (\S+)/m.exec(makefile)?.[1];
  if (!tag) throw new Error(`${dir}/build/pause/Makefile: no TAG`);
  return { source: join(dir, "build/pause/linux/pause.c"), tag };
}

export async function pauseInputs(): Promise<Record<string, string>> {
  const { source, tag } = await pauseSource();
  const gcc = (await run("gcc", ["--version"])).split("\n")[0];
  return { source: sha256(readFileSync(source)), tag, gcc, cflags: PAUSE_CFLAGS.join(" ") };
}

/** pause: build/pause/linux/pause.c compiled statically, as Kubernetes' Makefile does. */
export async function stagePause(ctx: string, log: WriteStream): Promise<void> {
  const { source, tag } = await pauseSource();
  const { PAUSE_IMAGE } = await import("./catalog.js");
  if (!PAUSE_IMAGE.endsWith(`:${tag}`))
    throw new Error(`pause: the k8s.io/kubernetes module builds pause ${tag}; set PAUSE_IMAGE in scripts/images/catalog.ts to match`);
  await run("gcc", [...PAUSE_CFLAGS, `-DVERSION=v${tag}-portico`, "-o", join(ctx, "pause"), source], { log });
  await run("strip", [join(ctx, "pause")], { log });
}
