// Server-side apply with a chosen field manager, and create-if-missing.
import { isAlreadyExists, type Send } from "./client.js";
import { describeRef, resourcePath, type ObjectRef } from "./resources.js";

export interface ApplyOptions {
  fieldManager: string;
  /** Take over fields another manager owns (true for children we own). */
  force?: boolean;
}

export type KubeObject = ObjectRef & { metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
}

/** Applies one object; the body must carry the full intent of this field manager. */
export async function applyObject<T = KubeObject>(send: Send, obj: KubeObject, opts: ApplyOptions, subresource?: string): Promise<T> {
  return send<T>("PATCH", resourcePath(refOf(obj), subresource), {
    body: obj,
    contentType: "application/apply-patch+yaml",
    query: { fieldManager: opts.fieldManager, force: opts.force ? "true" : "false", fieldValidation: "Strict" },
  });
}

/** Applies objects in order (RBAC before the Deployment that uses it); stops at the first error. */
export async function applyAll(send: Send, objects: KubeObject[], opts: ApplyOptions): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const obj of objects) {
    try {
      out.push(await applyObject(send, obj, opts));
    } catch (err) {
      throw new Error(`apply ${describeRef(refOf(obj))}: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

/** Creates the object unless one of that name exists; never updates it. */
export async function createIfMissing(send: Send, obj: KubeObject): Promise<"created" | "exists"> {
  const ref = refOf(obj);
  try {
    await send("POST", resourcePath({ ...ref, name: undefined }), { body: obj, query: { fieldValidation: "Strict" } });
    return "created";
  } catch (err) {
    if (isAlreadyExists(err)) return "exists";
    throw new Error(`create ${describeRef(ref)}: ${(err as Error).message}`, { cause: err });
  }
}

export async function getObject<T = KubeObject>(send: Send, ref: ObjectRef): Promise<T> {
  return send<T>("GET", resourcePath(ref));
}

/** Lists objects of one kind (in a namespace, or all namespaces when it has none). */
export async function listObjects<T = KubeObject>(
  send: Send,
  ref: ObjectRef,
  selectors: { labelSelector?: string; fieldSelector?: string } = {},
): Promise<T[]> {
  const list = await send<{ items?: T[] }>("GET", resourcePath({ ...ref, name: undefined }), { query: selectors });
  return list.items ?? [];
}

/** JSON merge patch of an object (or of a subresource such as status). */
export async function mergePatch<T = KubeObject>(send: Send, ref: ObjectRef, body: unknown, subresource?: string): Promise<T> {
  return send<T>("PATCH", resourcePath(ref, subresource), { body, contentType: "application/merge-patch+json" });
}

/** Deletes; a missing object is not an error. Background propagation (GC removes dependents). */
export async function deleteObject(send: Send, ref: ObjectRef): Promise<boolean> {
  try {
    await send("DELETE", resourcePath(ref), { body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" } });
    return true;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
}
