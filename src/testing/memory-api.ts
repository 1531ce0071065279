// An in-memory API server behind the verbs' transport (src/k8s/client.ts `Send`), for fast tests of
// the publish and reconcile loops without a cluster. It is a real, small implementation of the
// REST paths the verbs use, not a script of expected calls: objects are stored by path, GET,
// list (label selectors `k=v`, `k!=v`, `!k`; field selector `metadata.name=`), POST (409 when the
// name exists, generateName), DELETE (404 when missing), server-side apply (creates; a later
// apply replaces the object's fields but keeps status and the server's metadata; an apply on
// /status merges the status fields it sends), JSON merge patch (RFC 7386; a resourceVersion in the
// patch is a precondition, 409 when stale). Every write bumps resourceVersion; a spec change bumps
// metadata.generation. Not modelled: field ownership between managers, defaulting, validation,
// garbage collection by ownerReferences, watches.
import { ApiError, type RequestOptions, type Send } from "../k8s/client.js";

type Obj = { apiVersion?: string; kind?: string; metadata: Record<string, unknown> & { name: string; namespace?: string }; [k: string]: unknown };

interface Target {
  /** /api/v1 or /apis/group/version */
  base: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

export interface Request {
  method: string;
  path: string;
  query: Record<string, string>;
}

function parsePath(path: string): Target {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const baseLen = parts[0] === "api" ? 2 : 3;
  const base = "/" + parts.slice(0, baseLen).join("/");
  let rest = parts.slice(baseLen);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource] = rest;
  if (!plural) throw new Error(`memory-api: no resource in ${path}`);
  return { base, namespace, plural, name, subresource };
}

const keyOf = (t: Target, name: string) => `${t.base}|${t.namespace ?? ""}|${t.plural}|${name}`;

/** RFC 7386: null deletes, objects merge, everything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function matchesLabels(labels: Record<string, string>, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    if (term.startsWith("!")) return !(term.slice(1) in labels);
    const ne = term.indexOf("!=");
    if (ne > 0) return labels[term.slice(0, ne)] !== term.slice(ne + 2);
    const eq = term.indexOf("=");
    return labels[term.slice(0, eq)] === term.slice(eq + 1);
  });
}

function matchesFields(obj: Obj, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const [field, value] = term.split("=");
    if (field === "metadata.name") return obj.metadata.name === value;
    if (field === "metadata.namespace") return obj.metadata.namespace === value;
    throw new Error(`memory-api: field selector ${field} is not modelled`);
  });
}

const clone = <T>(o: T): T => structuredClone(o);

export class MemoryApiServer {
  private readonly objects = new Map<string, Obj>();
  private version = 0;
  private uids = 0;
  private generated = 0;
  /** Every request, in order (what a test may count: writes that should not happen). */
  readonly requests: Request[] = [];

  /** The transport the verbs take: kubeApi(server.send). */
  readonly send: Send = async <T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> => {
    const query = Object.fromEntries(Object.entries(opts.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    this.requests.push({ method, path, query });
    return clone(this.handle(method, parsePath(path), opts, query)) as T;
  };

  /** Stores an object as a client would have created it (test setup). */
  put(path: string, obj: Obj): Obj {
    return clone(this.create(parsePath(path), clone(obj)));
  }

  /** The stored object at `path` (a copy), or undefined. */
  get(path: string): Obj | undefined {
    const t = parsePath(path);
    const o = this.objects.get(keyOf(t, t.name!));
    return o && clone(o);
  }

  /** Every stored object of one collection path (a copy). */
  list(path: string): Obj[] {
    const t = parsePath(path);
    return this.collection(t).map(clone);
  }

  /** Requests that changed something (not GET). */
  writes(): Request[] {
    return this.requests.filter((r) => r.method !== "GET");
  }

  private collection(t: Target): Obj[] {
    const prefix = `${t.base}|${t.namespace ?? ""}|${t.plural}|`;
    const any = `${t.base}|`;
    return [...this.objects.entries()]
      .filter(([k]) => (t.namespace === undefined ? k.startsWith(any) && k.split("|")[2] === t.plural : k.startsWith(prefix)))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, o]) => o);
  }

  private notFound(t: Target, name: string): never {
    throw new ApiError(404, "NotFound", `${t.plural} "${name}" not found`);
  }

  private bump(o: Obj): Obj {
    o.metadata.resourceVersion = String(++this.version);
    return o;
  }

  private create(t: Target, body: Obj): Obj {
    const meta = body.metadata ?? ({} as Obj["metadata"]);
    let name = meta.name;
    if (!name && typeof meta.generateName === "string") name = `${meta.generateName}${(++this.generated).toString(36).padStart(5, "0")}`;
    if (!name) throw new ApiError(422, "Invalid", "metadata.name or generateName is required");
    const key = keyOf(t, name);
    if (this.objects.has(key)) throw new ApiError(409, "AlreadyExists", `${t.plural} "${name}" already exists`);
    const obj: Obj = {
      ...body,
      metadata: {
        ...meta,
        name,
        ...(t.namespace ? { namespace: t.namespace } : {}),
        uid: `uid-${++this.uids}`,
        generation: 1,
        creationTimestamp: new Date(0).toISOString(),
      },
    };
    delete obj.metadata.generateName;
    this.objects.set(key, this.bump(obj));
    return obj;
  }

  private handle(method: string, t: Target, opts: RequestOptions, query: Record<string, string>): unknown {
    const body = opts.body === undefined ? undefined : (clone(opts.body) as Obj);
    if (method === "GET" && !t.name) {
      const items = this.collection(t).filter(
        (o) => matchesLabels((o.metadata.labels ?? {}) as Record<string, string>, query.labelSelector) && matchesFields(o, query.fieldSelector),
      );
      return { metadata: { resourceVersion: String(this.version) }, items };
    }
    if (method === "POST" && !t.name) return this.create(t, body!);
    if (!t.name) throw new Error(`memory-api: ${method} on a collection is not modelled`);
    const key = keyOf(t, t.name);
    const current = this.objects.get(key);
    if (method === "GET") return current ?? this.notFound(t, t.name);
    if (method === "DELETE") {
      if (!current) this.notFound(t, t.name);
      this.objects.delete(key);
      return { kind: "Status", status: "Success" };
    }
    if (method !== "PATCH") throw new Error(`memory-api: ${method} is not modelled`);
    if (opts.contentType === "application/apply-patch+yaml") {
      if (t.subresource === "status") {
        if (!current) this.notFound(t, t.name);
        current.status = mergePatch(current.status, body!.status);
        return this.bump(current);
      }
      if (!current) return this.create(t, body!);
      const { status: _ignored, ...fields } = body!;
      const next: Obj = { ...fields, status: current.status, metadata: { ...current.metadata, ...body!.metadata } } as Obj;
      if (current.status === undefined) delete next.status;
      if (JSON.stringify(next.spec) !== JSON.stringify(current.spec)) next.metadata.generation = Number(current.metadata.generation ?? 1) + 1;
      this.objects.set(key, this.bump(next));
      return next;
    }
    if (opts.contentType === "application/merge-patch+json") {
      if (!current) this.notFound(t, t.name);
      const rv = (body?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
      if (rv !== undefined && rv !== current.metadata.resourceVersion) throw new ApiError(409, "Conflict", "the object has been modified");
      const patched = mergePatch(current, body) as Obj;
      const next: Obj = t.subresource === "status" ? { ...current, status: patched.status } : { ...patched, status: current.status };
      if (next.status === undefined) delete next.status;
      if (JSON.stringify(next.spec) !== JSON.stringify(current.spec)) next.metadata.generation = Number(current.metadata.generation ?? 1) + 1;
      this.objects.set(key, this.bump(next));
      return next;
    }
    throw new Error(`memory-api: PATCH ${opts.contentType} is not modelled`);
  }
}
