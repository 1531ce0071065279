// buildah with the project's own image store (.portico/images/store), so builds never touch the
// machine's /var/lib/containers and a `rm -rf .portico/images` forgets everything.
// runc, not crun (buildah's default): crun fails on this machine's hybrid cgroups.
import { join } from "node:path";
import { run, type RunOptions } from "./exec.js";

export const RUNTIME = "/usr/sbin/runc";

export class Buildah {
  constructor(readonly storeDir: string) {}

  private global(): string[] {
    return ["--root", join(this.storeDir, "root"), "--runroot", join(this.storeDir, "run"), "--storage-driver", "overlay"];
  }

  run(args: string[], opts: RunOptions = {}): Promise<string> {
    return run("buildah", [...this.global(), ...args], opts);
  }

  /** The image's ID, or undefined when the store has no image of that name. */
  async imageId(ref: string): Promise<string | undefined> {
    try {
      const out = await this.run(["inspect", "--type", "image", "--format", "{{.FromImageID}}", ref]);
      return out.trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Builds a Dockerfile offline: FROM names resolve only to images already in the store. */
  bud(contextDir: string, ref: string, opts: RunOptions): Promise<string> {
    return this.run(
      [
        "bud",
        "--pull=never",
        "--layers",
        "--runtime",
        RUNTIME,
        // RUN steps reach Debian's repository through the host's network.
        "--network",
        "host",
        "--format",
        "docker",
        "-t",
        ref,
        "-f",
        join(contextDir, "Dockerfile"),
        contextDir,
      ],
      opts,
    );
  }

  /** Writes a docker-archive (what `ctr images import`, `docker load`, kind and k3d read). */
  pushArchive(ref: string, file: string, opts: RunOptions = {}): Promise<string> {
    return this.run(["push", "--quiet", ref, `docker-archive:${file}:${ref}`], opts);
  }
}
