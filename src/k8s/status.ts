// Status writes by server-side apply on the status subresource: each writer (reconciler, agent,
// controller) owns only the fields it sends, so they never overwrite each other.
import { applyObject, type ApplyOptions } from "./apply.js";
import type { Send } from "./client.js";
import type { ObjectRef } from "./resources.js";

export async function patchStatus<T = unknown>(send: Send, ref: ObjectRef & { name: string }, status: Record<string, unknown>, opts: ApplyOptions): Promise<T> {
  return applyObject<T>(send, { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace }, status }, opts, "status");
}
