// The one in-memory store the watches feed. It keeps plain API objects by kind and key, knows
// whether an event changed anything (replayed events are no-ops), and maintains the indexes the
// rebuild and admission need. No I/O: the capabilities call it, the rebuild reads it.

import { dropBookkeeping } from "../core/kept-fields.js";
import { CA_DATA_KEYS } from "../core/annotations/secret-refs.js";
import type { ConfigMap, EndpointSlice, Ingress, IngressClass, Secret, Service } from "../core/k8s-types.js";

export interface StoredIngressController {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; generation?: number; resourceVersion?: string; deletionTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface StoredKinds {
  Ingress: Ingress;
  IngressClass: IngressClass;
  Service: Service;
  EndpointSlice: EndpointSlice;
  Secret: Secret;
  ConfigMap: ConfigMap;
  IngressController: StoredIngressController;
}
export type StoredKind = keyof StoredKinds;
export const STORED_KINDS: StoredKind[] = ["Ingress", "IngressClass", "Service", "EndpointSlice", "Secret", "ConfigMap", "IngressController"];

export interface StoreChange<K extends StoredKind = StoredKind> {
  kind: K;
  key: string;
  previous?: StoredKinds[K];
  current?: StoredKinds[K];
}

export function objectKey(meta: { namespace?: string; name: string }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

/** Secrets are kept only when they can be TLS material or a served Ingress's annotation names them
 * (auth-secret): keeping every Secret of the cluster in memory would be both wasteful and a
 * needless exposure. */
export function isKeptSecret(secret: Secret, wanted: ReadonlySet<string> = new Set()): boolean {
  return secret.type === "kubernetes.io/tls" || wanted.has(objectKey(secret.metadata));
}

/** A non-TLS Secret the informers watch by name; caOnly: another namespace's CA Secret. */
export interface WantedSecret {
  key: string;
  caOnly: boolean;
}

/** Another namespace's CA Secret keeps only its CA data (in place: the watch cache shares it). */
function keepCaDataOnly(secret: Secret, caOnly: ReadonlySet<string>): void {
  if (secret.type === "kubernetes.io/tls" || !caOnly.has(objectKey(secret.metadata))) return;
  const data = secret.data ?? {};
  secret.data = Object.fromEntries(CA_DATA_KEYS.flatMap((k) => (data[k] !== undefined ? [[k, data[k]]] : [])));
  delete (secret as { stringData?: unknown }).stringData;
}

export class Store {
  private readonly objects: { [K in StoredKind]: Map<string, StoredKinds[K]> } = {
    Ingress: new Map(),
    IngressClass: new Map(),
    Service: new Map(),
    EndpointSlice: new Map(),
    Secret: new Map(),
    ConfigMap: new Map(),
    IngressController: new Map(),
  };
  /** Bumped on every effective change; lets a rebuild tell whether it saw the latest state. */
  revision = 0;
  /** Non-TLS Secrets served Ingresses name (namespace/name); only these are kept besides TLS ones. */
  private wanted = new Set<string>();
  /** Of those, another namespace's CA Secrets: only their CA data (CA_DATA_KEYS) is kept. */
  private caOnly = new Set<string>();
  /** Sets the non-TLS Secrets to keep (those in `full` whole, the others with their CA data only)
   * and drops kept ones no longer wanted, or wanted otherwise (their watch lists them again);
   * true when the set changed. */
  wantSecrets(keys: ReadonlySet<string>, full: ReadonlySet<string> = keys): boolean {
    const caOnly = new Set([...keys].filter((k) => !full.has(k)));
    const same = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((k) => b.has(k));
    const changed = !same(keys, this.wanted) || !same(caOnly, this.caOnly);
    const before = this.caOnly;
    this.wanted = new Set(keys);
    this.caOnly = caOnly;
    for (const [key, secret] of this.objects.Secret) {
      const tls = secret.type === "kubernetes.io/tls"; // kept whole anyway
      if (!isKeptSecret(secret, this.wanted) || (!tls && before.has(key) !== caOnly.has(key))) {
        this.objects.Secret.delete(key);
        this.revision++;
      }
    }
    return changed;
  }

  get wantedSecrets(): WantedSecret[] {
    return [...this.wanted].sort().map((key) => ({ key, caOnly: this.caOnly.has(key) }));
  }

  /** Records an added or modified object, which the store then owns (it may drop fields of it in
   * place, and keeps it rather than a copy); returns the change, or undefined when nothing changed. */
  upsert<K extends StoredKind>(kind: K, obj: StoredKinds[K]): StoreChange<K> | undefined {
    if (kind === "Secret" && !isKeptSecret(obj as Secret, this.wanted)) return this.remove(kind, obj);
    if (kind === "Secret") keepCaDataOnly(obj as Secret, this.caOnly);
    const map = this.objects[kind] as Map<string, StoredKinds[K]>;
    const key = objectKey(obj.metadata);
    const previous = map.get(key);
    if (previous && sameVersion(previous, obj)) return undefined;
    dropBookkeeping(obj); // a no-op for objects the watches already slimmed
    map.set(key, obj);
    this.revision++;
    return { kind, key, previous, current: obj };
  }

  remove<K extends StoredKind>(kind: K, obj: { metadata: { namespace?: string; name: string } }): StoreChange<K> | undefined {
    const map = this.objects[kind] as Map<string, StoredKinds[K]>;
    const key = objectKey(obj.metadata);
    const previous = map.get(key);
    if (!previous) return undefined;
    map.delete(key);
    this.revision++;
    return { kind, key, previous };
  }

  get<K extends StoredKind>(kind: K, namespace: string | undefined, name: string): StoredKinds[K] | undefined {
    return (this.objects[kind] as Map<string, StoredKinds[K]>).get(objectKey({ namespace, name }));
  }

  list<K extends StoredKind>(kind: K): StoredKinds[K][] {
    return [...(this.objects[kind] as Map<string, StoredKinds[K]>).values()];
  }

  count(kind: StoredKind): number {
    return this.objects[kind].size;
  }
}

function sameVersion(a: { metadata: { resourceVersion?: string } }, b: { metadata: { resourceVersion?: string } }): boolean {
  return a.metadata.resourceVersion !== undefined && a.metadata.resourceVersion === b.metadata.resourceVersion;
}
