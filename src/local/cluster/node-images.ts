// Images on the local node: every archive `npm run images` wrote (.portico/images/*.tar, or the dirs in
// PORTICO_IMAGE_DIRS, colon-separated) is imported into containerd's k8s.io namespace, so pods run them
// with imagePullPolicy IfNotPresent/Never and no registry. The pause image becomes the sandbox image
// under NODE.sandboxImage; without one, a minimal pause image is compiled here (gcc, static) so a node
// comes up before any image was built.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ClusterError } from "./errors.js";
import { hasCommand, runOk } from "./exec.js";
import { NODE } from "./node-config.js";
import { bin, porticoDir } from "./paths.js";

export function imageDirs(): string[] {
  const env = process.env.PORTICO_IMAGE_DIRS;
  return env ? env.split(":").filter(Boolean) : [join(porticoDir, "images")];
}

export function imageArchives(dirs = imageDirs()): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names.sort()) if (n.endsWith(".tar")) out.push(join(d, n));
  }
  return out;
}

export function ctr(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return runOk(`ctr ${args[0]} ${args[1] ?? ""}`.trim(), bin("ctr"), ["--address", NODE.containerdSocket, "-n", "k8s.io", ...args], {
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
}

export async function listImages(): Promise<string[]> {
  return (await ctr(["images", "ls", "-q"])).split("\n").filter(Boolean);
}

/**
 * Imports the archives (two at a time) and makes sure the sandbox image exists. With `recordFile`,
 * archives whose size and mtime are unchanged since the last import are skipped (a rebuilt image is
 * re-imported into a running node; pods started after that run it).
 */
export async function importImages(progress: (l: string) => void, recordFile?: string): Promise<string[]> {
  const seen: Record<string, string> = recordFile && existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, "utf8")) as Record<string, string>) : {};
  const stamp = (a: string) => {
    const st = statSync(a);
    return `${st.size}:${st.mtimeMs}`;
  };
  const archives = imageArchives().filter((a) => seen[a] !== stamp(a));
  const queue = [...archives];
  const worker = async () => {
    for (let a = queue.shift(); a; a = queue.shift()) {
      const s = stamp(a);
      await ctr(["images", "import", a], { timeoutMs: 300_000 });
      seen[a] = s;
    }
  };
  if (archives.length) progress(`importing ${archives.length} image archive(s) into containerd`);
  await Promise.all([worker(), worker()]);
  if (recordFile) writeFileSync(recordFile, JSON.stringify(seen, null, 2));
  let images = await listImages();
  if (!images.includes(NODE.sandboxImage)) {
    const pause = images.find((i) => /(^|\/)pause:/.test(i));
    if (pause) await ctr(["images", "tag", "--force", pause, NODE.sandboxImage]);
    else {
      progress("no pause image archive found: building a minimal one");
      await ctr(["images", "import", await buildPauseArchive()]);
    }
    images = await listImages();
  }
  return images;
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/**
 * A one-file OCI archive with Kubernetes' pause.c compiled statically, cached in .portico/node-pause
 * (keyed by the source's hash). Named NODE.sandboxImage through containerd's image-name annotation.
 */
export async function buildPauseArchive(): Promise<string> {
  const goModCache = (await runOk("go env GOMODCACHE", "go", ["env", "GOMODCACHE"])).trim();
  const k8sVersion = /k8s\.io\/kubernetes (v\S+)/.exec(readFileSync(join(porticoDir, "..", "src/local/controlplane/go.mod"), "utf8"))?.[1];
  const src = join(goModCache, `k8s.io/kubernetes@${k8sVersion}`, "build/pause/linux/pause.c");
  if (!existsSync(src)) throw new ClusterError(`${src} is missing: run \`npm run setup\` (it downloads the Kubernetes module)`);
  if (!hasCommand("gcc")) throw new ClusterError("gcc is not installed (needed for the pause image): apt-get install gcc libc6-dev, or run `npm run images`");
  const dir = join(porticoDir, "node-pause");
  const key = sha256(readFileSync(src)).slice(0, 16);
  const archive = join(dir, `pause-${key}.tar`);
  if (existsSync(archive) && statSync(archive).size > 0) return archive;
  rmSync(dir, { recursive: true, force: true });
  const rootfs = join(dir, "rootfs");
  const layout = join(dir, "layout");
  mkdirSync(rootfs, { recursive: true });
  mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
  await runOk("compiling pause.c", "gcc", ["-Os", "-static", "-o", join(rootfs, "pause"), src]);
  const layerFile = join(dir, "layer.tar");
  await runOk("packing the pause layer", "tar", ["--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-cf", layerFile, "-C", rootfs, "pause"]);
  const layer = readFileSync(layerFile);
  const blob = (b: Buffer | string) => {
    const h = sha256(b);
    writeFileSync(join(layout, "blobs", "sha256", h), b);
    return { digest: `sha256:${h}`, size: Buffer.byteLength(b) };
  };
  const layerDesc = blob(layer);
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Entrypoint: ["/pause"], User: "65535:65535" },
    rootfs: { type: "layers", diff_ids: [layerDesc.digest] },
  });
  const configDesc = blob(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configDesc },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layerDesc }],
  });
  const manifestDesc = blob(manifest);
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifestDesc,
          annotations: { "io.containerd.image.name": NODE.sandboxImage, "org.opencontainers.image.ref.name": "node" },
        },
      ],
    }),
  );
  await runOk("packing the pause archive", "tar", ["--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-cf", archive, "-C", layout, "."]);
  return archive;
}
