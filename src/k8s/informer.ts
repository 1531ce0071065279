// One list+watch of one kind (optionally narrowed by namespace, name, field or labels), over
// kubernetes-fluent-client's Watcher: it lists, watches from the list's resourceVersion, relists
// on a too-old version and periodically, and reports objects gone meanwhile as DELETED.
// Handlers get every complete list (all pages) and every event; they decide what to keep.
import { K8s, WatchEvent, type GenericClass, type WatchCfg } from "kubernetes-fluent-client";

export type WatchPhase = "ADDED" | "MODIFIED" | "DELETED";

export interface ObjectMetaLike {
  metadata: { namespace?: string; name: string; resourceVersion?: string };
}

export interface InformerScope {
  namespace?: string;
  /** Only the object of this name (a field selector on metadata.name). */
  name?: string;
  fields?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface InformerHandlers<T> {
  /** Applied to every object on arrival (each listed item and each event's object), before the
   * watch client caches it and before the other handlers: whatever it drops is held by no one. */
  transform?(obj: T): void;
  /** A complete list of the scope (every page): what exists now. */
  listed(items: T[]): void;
  event(phase: WatchPhase, obj: T): void;
}

export interface InformerLog {
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}

export interface Informer {
  /** True once the first complete list arrived. */
  readonly listed: boolean;
  /** Starts listing and watching; resolves once the watch connected (never rejects: failures are logged and retried). */
  start(): Promise<void>;
  stop(): void;
}

/** Watch knobs from the environment (the names Pepr reads, so one setting tunes both). Retries
 * never give up unless PEPR_RESYNC_FAILURE_MAX says so. */
export function watchConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WatchCfg {
  const num = (v: string | undefined) => (v ? Number.parseInt(v, 10) : undefined);
  return {
    resyncFailureMax: num(env.PEPR_RESYNC_FAILURE_MAX),
    resyncDelaySec: num(env.PEPR_RESYNC_DELAY_SECONDS) ?? 5,
    lastSeenLimitSeconds: num(env.PEPR_LAST_SEEN_LIMIT_SECONDS) ?? 300,
    relistIntervalSec: num(env.PEPR_RELIST_INTERVAL_SECONDS) ?? 600,
  };
}

export function informer<T extends ObjectMetaLike>(
  label: string,
  model: GenericClass,
  scope: InformerScope,
  handlers: InformerHandlers<T>,
  log: InformerLog,
  cfg: WatchCfg = watchConfigFromEnv(),
): Informer {
  let watcher: ReturnType<ReturnType<typeof K8s>["Watch"]> | undefined;
  let listed = false;
  return {
    get listed() {
      return listed;
    },
    async start() {
      if (watcher) return;
      const filters = { namespace: scope.namespace, name: scope.name, fields: scope.fields, labels: scope.labels };
      const w = K8s(model, filters).Watch(
        (obj, phase) => {
          // Listed items were transformed with their page (below); a watch event's object arrives
          // here after the client cached it, and the transform edits that same object.
          if (phase === "ADDED" || phase === "MODIFIED" || phase === "DELETED") {
            handlers.transform?.(obj as T);
            handlers.event(phase, obj as T);
          }
        },
        { ...cfg },
      );
      // The client pages a list; collect until the last page. The client emits each page before
      // it caches the page's items, so transformed items are what it keeps.
      let pages: T[] = [];
      w.events.on(WatchEvent.LIST, (list: { items?: T[]; metadata?: { continue?: string } }) => {
        for (const item of list.items ?? []) {
          handlers.transform?.(item);
          pages.push(item);
        }
        if (list.metadata?.continue) return;
        const items = pages;
        pages = [];
        const first = !listed;
        listed = true;
        handlers.listed(items);
        if (first) log.info(`listed ${label}`, { watch: label, count: items.length });
      });
      w.events.on(WatchEvent.LIST_ERROR, (err: unknown) =>
        log.warn(`listing ${label} failed`, { watch: label, error: String((err as Error)?.message ?? err) }),
      );
      w.events.on(WatchEvent.GIVE_UP, (err: unknown) =>
        log.error(`watch of ${label} gave up`, { watch: label, error: String((err as Error)?.message ?? err) }),
      );
      watcher = w;
      await w.start().then(
        () => undefined,
        (err: unknown) => log.error(`watch of ${label} did not start`, { watch: label, error: String((err as Error)?.message ?? err) }),
      );
    },
    stop() {
      watcher?.close();
      watcher = undefined;
    },
  };
}
