// Every image `npm run images` builds: its archive name, the exact reference the chart (or the
// node's containerd, for pause) uses, its Dockerfile directory under images/, and what is staged
// into its build context beside the Dockerfile. Consumers (the node cluster, tests) read the
// archive paths from here or from .portico/images/index.json.
import { join } from "node:path";
import { PORTICO_IMAGES } from "../../src/api/images.js";
import { stageAgent, stageController, controllerInputs, stageEcho, stagePause, pauseInputs } from "./stage.js";
import type { WriteStream } from "node:fs";

/** The pod sandbox image, named as containerd's default sandbox image (its version is the TAG of
 * build/pause/Makefile in the k8s.io/kubernetes module the cluster is built from; staging checks it). */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10.2";

export interface ImageSpec {
  /** Archive: .portico/images/<name>.tar */
  name: string;
  ref: string;
  /** Dockerfile directory under images/ */
  dir: string;
  role: string;
  /** Cheap staging, run on every invocation; the staged files are hashed as they are. */
  stage?: (ctx: string) => Promise<void>;
  /** Expensive staging, run only before a build; its declared inputs are hashed instead of its output. */
  heavy?: { inputs: () => Promise<Record<string, string>>; stage: (ctx: string, log: WriteStream) => Promise<void> };
}

export const IMAGES: ImageSpec[] = [
  { name: "portico-nginx", ref: PORTICO_IMAGES.nginx, dir: "nginx", role: "NGINX pod: nginx and agent containers", stage: stageAgent },
  { name: "portico-default-backend", ref: PORTICO_IMAGES.defaultBackend, dir: "default-backend", role: "default-backend Deployment" },
  {
    name: "portico-controller",
    ref: PORTICO_IMAGES.controller,
    dir: "controller",
    role: "Pepr admission and watcher Deployments",
    heavy: { inputs: controllerInputs, stage: stageController },
  },
  { name: "portico-echo", ref: PORTICO_IMAGES.echo, dir: "echo", role: "test backend (node suites)", stage: stageEcho },
  { name: "pause", ref: PAUSE_IMAGE, dir: "pause", role: "pod sandbox (containerd sandbox image)", heavy: { inputs: pauseInputs, stage: stagePause } },
];

export const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** Output: archives, keys, logs, contexts, the buildah store. PORTICO_IMAGES_DIR moves it (tests). */
export const imagesDir = process.env.PORTICO_IMAGES_DIR ?? join(repoRoot, ".portico", "images");
/** The Dockerfile directories. PORTICO_IMAGES_SRC points elsewhere (tests of the failure path). */
export const sourceDir = process.env.PORTICO_IMAGES_SRC ?? join(repoRoot, "images");

/** Where `npm run images` writes an image's archive. */
export function archivePath(name: string): string {
  return join(imagesDir, `${name}.tar`);
}
