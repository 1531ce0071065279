// Kubeconfig files with the CA and credentials embedded, so a single file is all a client needs.
import { stringify } from "yaml";

export interface KubeconfigInput {
  cluster: string;
  server: string;
  caPem: string;
  user: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

export function renderKubeconfig(k: KubeconfigInput): string {
  const user: Record<string, string> = {};
  if (k.clientCertPem) user["client-certificate-data"] = b64(k.clientCertPem);
  if (k.clientKeyPem) user["client-key-data"] = b64(k.clientKeyPem);
  if (k.token) user.token = k.token;
  const context = `${k.user}@${k.cluster}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: k.cluster, cluster: { server: k.server, "certificate-authority-data": b64(k.caPem) } }],
    users: [{ name: k.user, user }],
    contexts: [{ name: context, context: { cluster: k.cluster, user: k.user, namespace: "default" } }],
    "current-context": context,
    preferences: {},
  });
}
