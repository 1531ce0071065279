// The generic verbs bound to one transport: the API server (request() in client.ts) in the
// processes, an in-memory API server in the fast tests (src/testing/memory-api.ts). The
// composition root (src/runtime) makes one and hands it to the controller's writers and the
// operator; nothing else holds one.
import { applyAll, applyObject, createIfMissing, deleteObject, getObject, listObjects, mergePatch, type ApplyOptions, type KubeObject } from "./apply.js";
import { request, type Send } from "./client.js";
import { createEvent, recordEvent, type EventBody, type EventSource, type EventType } from "./events.js";
import { pruneByLabel, type PruneKind, type Pruned } from "./prune.js";
import type { ObjectRef } from "./resources.js";
import { patchStatus } from "./status.js";

export interface KubeApi {
  applyObject<T = KubeObject>(obj: KubeObject, opts: ApplyOptions, subresource?: string): Promise<T>;
  applyAll(objects: KubeObject[], opts: ApplyOptions): Promise<KubeObject[]>;
  createIfMissing(obj: KubeObject): Promise<"created" | "exists">;
  getObject<T = KubeObject>(ref: ObjectRef): Promise<T>;
  listObjects<T = KubeObject>(ref: ObjectRef, selectors?: { labelSelector?: string; fieldSelector?: string }): Promise<T[]>;
  mergePatch<T = KubeObject>(ref: ObjectRef, body: unknown, subresource?: string): Promise<T>;
  deleteObject(ref: ObjectRef): Promise<boolean>;
  patchStatus<T = unknown>(ref: ObjectRef & { name: string }, status: Record<string, unknown>, opts: ApplyOptions): Promise<T>;
  createEvent(event: EventBody): Promise<void>;
  recordEvent(involved: ObjectRef & { uid?: string }, type: EventType, reason: string, message: string, source?: EventSource): Promise<void>;
  pruneByLabel(...args: Parameters<typeof pruneByLabel> extends [Send, ...infer R] ? R : never): Promise<Pruned[]>;
}

export type { ApplyOptions, KubeObject, PruneKind, Pruned };

export function kubeApi(send: Send = request): KubeApi {
  return {
    applyObject: (obj, opts, sub) => applyObject(send, obj, opts, sub),
    applyAll: (objects, opts) => applyAll(send, objects, opts),
    createIfMissing: (obj) => createIfMissing(send, obj),
    getObject: (ref) => getObject(send, ref),
    listObjects: (ref, selectors) => listObjects(send, ref, selectors),
    mergePatch: (ref, body, sub) => mergePatch(send, ref, body, sub),
    deleteObject: (ref) => deleteObject(send, ref),
    patchStatus: (ref, status, opts) => patchStatus(send, ref, status, opts),
    createEvent: (event) => createEvent(send, event),
    recordEvent: (involved, type, reason, message, source) => recordEvent(send, involved, type, reason, message, source),
    pruneByLabel: (...args) => pruneByLabel(send, ...args),
  };
}
