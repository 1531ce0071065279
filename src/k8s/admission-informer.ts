// The admission side's list+watch of Ingresses, IngressClasses and TLS Secrets (field selector
// type=kubernetes.io/tls, so other Secrets never reach this process), feeding AdmissionState.
// Admission pods run no Watch bindings, so admission keeps its own copy; in local dev mode this
// duplicates the watcher's streams, which is cheap next to a request that must not wait for I/O.
// Started at module load in admission processes and lazily on the first admission request.

import { K8s, kind, WatchEvent } from "kubernetes-fluent-client";
import { AdmissionState, type WatchedKind } from "../admission/state.js";
import { logger } from "../log.js";

const log = logger("admission-informer");

type Obj = { metadata: { namespace?: string; name: string } };
type Closable = { close(): void };

export interface AdmissionInformer {
  readonly state: AdmissionState;
  /** Resolves true once every kind has been listed, false after timeoutMs. Never rejects. */
  ready(timeoutMs: number): Promise<boolean>;
  stop(): void;
}

function watcherFor(k: WatchedKind, cb: (obj: Obj, phase: string) => void) {
  if (k === "Ingress") return K8s(kind.Ingress).Watch((o, p) => cb(o as Obj, p));
  if (k === "IngressClass") return K8s(kind.IngressClass).Watch((o, p) => cb(o as Obj, p));
  return K8s(kind.Secret)
    .WithField("type", "kubernetes.io/tls")
    .Watch((o, p) => cb(o as Obj, p));
}

export function startAdmissionInformer(state = new AdmissionState()): AdmissionInformer {
  const watchers: Closable[] = [];
  const waiters = new Set<() => void>();
  const settle = () => {
    if (!state.synced) return;
    for (const w of waiters) w();
    waiters.clear();
  };
  for (const k of ["IngressClass", "Ingress", "Secret"] as WatchedKind[]) {
    const w = watcherFor(k, (obj, phase) => {
      if (phase === "DELETED") state.remove(k, obj);
      else if (phase === "ADDED" || phase === "MODIFIED") state.upsert(k, obj);
    });
    // A LIST result is the complete truth for its kind (the client pages; collect until the last page).
    let pages: Obj[] = [];
    w.events.on(WatchEvent.LIST, (list: { items?: Obj[]; metadata?: { continue?: string } }) => {
      pages.push(...(list.items ?? []));
      if (list.metadata?.continue) return;
      const first = !state.isListed(k);
      state.replaceAll(k, pages);
      pages = [];
      if (first) log.info(`listed ${k}`, { kind: k, synced: state.synced });
      settle();
    });
    w.events.on(WatchEvent.LIST_ERROR, (err: unknown) => log.warn(`listing ${k} failed`, { kind: k, error: String(err) }));
    w.events.on(WatchEvent.GIVE_UP, (err: unknown) => log.error(`watch of ${k} gave up`, { kind: k, error: String(err) }));
    w.start().catch((err) => log.error(`watch of ${k} did not start`, { kind: k, error: String(err) }));
    watchers.push(w);
  }
  return {
    state,
    ready(timeoutMs) {
      if (state.synced) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiters.delete(done);
          resolve(state.synced);
        }, timeoutMs);
        waiters.add(done);
      });
    },
    stop() {
      for (const w of watchers) w.close();
      for (const w of waiters) w();
      waiters.clear();
    },
  };
}

let shared: AdmissionInformer | undefined;

/** The process-wide informer, started on first use. */
export function admissionInformer(): AdmissionInformer {
  shared ??= startAdmissionInformer();
  return shared;
}

/** Admission processes: Pepr's admission pods (PEPR_WATCH_MODE=false) and local dev mode. Never
 * in the watcher pod, at build time or in unit tests. */
export function isAdmissionProcess(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PEPR_WATCH_MODE === "false" || env.PEPR_MODE === "dev";
}
