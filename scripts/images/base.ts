// The root filesystems the Dockerfiles' FROM lines name. A release pipeline pulls the public
// images; here mmdebstrap builds the same Debian release from Debian's repository and the root is
// imported into the project's image store under the public name, so `buildah bud --pull=never`
// resolves `FROM debian:trixie-slim` to it. Built once per recipe (the key covers the recipe and
// mmdebstrap's version); `--refresh-base` builds it again to pick up Debian's updates.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { WriteStream } from "node:fs";
import { Buildah } from "./buildah.js";
import { run } from "./exec.js";
import { inputKey } from "./hash.js";

export interface BaseRecipe {
  /** The name as Dockerfiles write it (FROM debian:trixie-slim). */
  from: string;
  /** The fully qualified name it gets in the store. */
  stored: string;
  suite: string;
  variant: "minbase";
  sources: string[];
  /** dpkg path filters that make a "slim" root (as the public -slim images: no docs, man pages, locales). */
  dpkgOptions: string[];
}

const SLIM = [
  "path-exclude=/usr/share/man/*",
  "path-exclude=/usr/share/info/*",
  "path-exclude=/usr/share/doc/*",
  "path-include=/usr/share/doc/*/copyright",
  "path-exclude=/usr/share/locale/*",
  "path-exclude=/usr/share/lintian/*",
];

export const BASES: BaseRecipe[] = [
  {
    from: "debian:trixie-slim",
    stored: "docker.io/library/debian:trixie-slim",
    suite: "trixie",
    variant: "minbase",
    sources: [
      "deb http://deb.debian.org/debian trixie main",
      "deb http://deb.debian.org/debian trixie-updates main",
      "deb http://deb.debian.org/debian-security trixie-security main",
    ],
    dpkgOptions: SLIM,
  },
];

export function baseFor(from: string): BaseRecipe | undefined {
  return BASES.find((b) => b.from === from || b.stored === from);
}

interface BaseState {
  key: string;
  imageId: string;
}

export class BaseStore {
  constructor(
    readonly dir: string,
    readonly buildah: Buildah,
  ) {}

  private stateFile(b: BaseRecipe): string {
    return join(this.dir, `${b.from.replace(/[^a-z0-9.-]/gi, "_")}.json`);
  }

  async recipeKey(b: BaseRecipe): Promise<string> {
    const version = (await run("mmdebstrap", ["--version"])).trim();
    return inputKey({ recipe: JSON.stringify(b), mmdebstrap: version });
  }

  /** The base's key when its root is in the store and was built from the current recipe. */
  async current(b: BaseRecipe): Promise<string | undefined> {
    const f = this.stateFile(b);
    if (!existsSync(f)) return undefined;
    const state = JSON.parse(readFileSync(f, "utf8")) as BaseState;
    if (state.key !== (await this.recipeKey(b))) return undefined;
    return (await this.buildah.imageId(b.stored)) === state.imageId ? state.key : undefined;
  }

  /** Builds the root with mmdebstrap and imports it; returns the base's key. */
  async build(b: BaseRecipe, log: WriteStream): Promise<string> {
    mkdirSync(this.dir, { recursive: true });
    const key = await this.recipeKey(b);
    const tar = join(this.dir, `${b.suite}-${b.variant}.tar`);
    const tmp = `${tar}.tmp`;
    rmSync(tmp, { force: true });
    await run(
      "mmdebstrap",
      [
        `--variant=${b.variant}`,
        "--mode=root",
        "--format=tar",
        // Device nodes do not belong in an image layer (the runtime provides /dev).
        "--skip=output/dev",
        ...b.dpkgOptions.map((o) => `--dpkgopt=${o}`),
        b.suite,
        tmp,
        ...b.sources,
      ],
      { log },
    );
    renameSync(tmp, tar);
    const ctr = (await this.buildah.run(["from", "--pull=never", "scratch"], { log })).trim().split("\n").pop()!;
    try {
      await this.buildah.run(["add", ctr, tar, "/"], { log });
      await this.buildah.run(["config", "--env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "--cmd", "bash", ctr], { log });
      await this.buildah.run(["commit", "--quiet", "--format", "docker", ctr, b.stored], { log });
    } finally {
      await this.buildah.run(["rm", ctr]).catch(() => undefined);
    }
    const imageId = await this.buildah.imageId(b.stored);
    if (!imageId) throw new Error(`base ${b.from}: imported, but the store has no image named ${b.stored}`);
    writeFileSync(this.stateFile(b), JSON.stringify({ key, imageId } satisfies BaseState) + "\n");
    return key;
  }
}
