// Reading objects back through kubectl in e2e suites.
import type { Cluster } from "../../src/local/cluster/index.js";

/** The object as JSON, or undefined when it does not exist. `ns` null: cluster-scoped. */

export async function getObject(c: Cluster, kind: string, name: string, ns: string | null): Promise<any | undefined> {
  const r = await c.kubectl(["get", kind, name, ...(ns ? ["-n", ns] : []), "-o", "json", "--ignore-not-found"]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}
