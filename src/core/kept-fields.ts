// What of an API object Portico keeps in memory. Every watch applies this to each object on
// arrival, in place, before anything stores it: the watch client's own cache, the controller's
// store and admission's state then share one slim copy. At 10,000 Ingresses managedFields and
// kubectl's last-applied copy of the whole object were most of the memory, and nothing reads them.

export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** Drops managedFields and kubectl's last-applied annotation; the object itself is kept (its
 * metadata is replaced, not edited with `delete`, so it keeps a compact shape). Returns it. */
export function dropBookkeeping<T extends { metadata?: object }>(obj: T): T {
  const meta = obj?.metadata as { managedFields?: unknown; annotations?: Record<string, string> } | undefined;
  if (!meta || (meta.managedFields === undefined && meta.annotations?.[LAST_APPLIED_ANNOTATION] === undefined)) return obj;
  const { managedFields: _m, annotations, ...rest } = meta;
  let kept = annotations;
  if (annotations?.[LAST_APPLIED_ANNOTATION] !== undefined) {
    const { [LAST_APPLIED_ANNOTATION]: _l, ...others } = annotations;
    kept = others;
  }
  (obj as { metadata: object }).metadata = kept ? { ...rest, annotations: kept } : rest;
  return obj;
}
