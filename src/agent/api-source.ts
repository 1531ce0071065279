// The desired state as the controller publishes it (src/core/state-objects.ts): the agent watches
// only the index ConfigMap, by name, and reads the shards of a part when that part's hash changed.
// Needs only get/list/watch on those names (the data-plane Role).
import { backoffDelay } from "../core/backoff.js";
import type { DesiredState } from "../core/contract.js";
import {
  decodeStatePart,
  parseStateIndex,
  partShardNames,
  stateObjectNames,
  type CertificatesPart,
  type EndpointsPart,
  type ShardObject,
  type StateIndex,
  type StatePart,
} from "../core/state-objects.js";
import { apiGet, apiWatch, loadConnection, type ApiConnection } from "./kube-api.js";
import type { DesiredStateSource } from "./source.js";
import { silentLogger, type Logger } from "../log.js";

export interface ApiSourceOptions {
  /** Path of the kubeconfig (default $KUBECONFIG, else in-cluster credentials). */
  kubeconfig?: string;
  /** Delay before retrying after an error (doubles up to max). */
  retryMs?: { min: number; max: number }; // default 500 .. 15000
  /** Server-side watch timeout; the watch is then re-opened from the last resourceVersion. */
  watchTimeoutSeconds?: number; // default 300
  logger?: Logger;
}

interface IndexObject {
  metadata: { name: string; resourceVersion?: string };
  data?: Record<string, string>;
}

export class ApiSource implements DesiredStateSource {
  readonly description: string;
  private readonly names;
  private stopped = false;
  private abort: { aborted: boolean; onAbort?: () => void } = { aborted: false };
  private loop: Promise<void> | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private readonly log: Logger;
  /** Decoded parts by hash, so only changed parts are read again. */
  private parts: { config?: [string, string]; endpoints?: [string, EndpointsPart]; certificates?: [string, CertificatesPart] } = {};
  private lastAll = "";

  constructor(
    readonly namespace: string,
    readonly controllerName: string,
    private readonly opts: ApiSourceOptions = {},
  ) {
    this.description = `api:${namespace}/${controllerName}`;
    this.names = stateObjectNames(controllerName);
    this.log = opts.logger ?? silentLogger();
  }

  private conn(): ApiConnection {
    return loadConnection(this.opts.kubeconfig);
  }

  private path(kind: "configmaps" | "secrets", name?: string, query = ""): string {
    const base = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/${kind}`;
    return name ? `${base}/${encodeURIComponent(name)}${query}` : `${base}${query}`;
  }

  /** Reads the index and everything it names once (no watch). */
  async readOnce(): Promise<DesiredState | undefined> {
    const index = await apiGet<IndexObject>(this.conn(), this.path("configmaps", this.names.index));
    return index ? await this.fromIndex(index) : undefined;
  }

  private async fromIndex(obj: IndexObject): Promise<DesiredState> {
    const index = parseStateIndex(obj);
    const conn = this.conn();
    const read = async (part: StatePart): Promise<unknown> => {
      const kind = part === "certificates" ? "secrets" : "configmaps";
      const shards: Record<string, ShardObject | undefined> = {};
      await Promise.all(
        partShardNames(this.controllerName, index, part).map(async (n) => {
          shards[n] = await apiGet<ShardObject>(conn, this.path(kind, n));
        }),
      );
      return decodeStatePart(this.controllerName, index, part, shards);
    };
    const h = index.hashes;
    if (this.parts.config?.[0] !== h.config) this.parts.config = [h.config, (await read("config")) as string];
    if (this.parts.endpoints?.[0] !== h.endpoints) this.parts.endpoints = [h.endpoints, (await read("endpoints")) as EndpointsPart];
    if (this.parts.certificates?.[0] !== h.certificates) this.parts.certificates = [h.certificates, (await read("certificates")) as CertificatesPart];
    return {
      config: this.parts.config[1],
      endpoints: this.parts.endpoints[1].endpoints,
      ...(Object.keys(this.parts.endpoints[1].balancing).length ? { balancing: this.parts.endpoints[1].balancing } : {}),
      sniCertificates: this.parts.certificates[1].sniCertificates,
      certificates: this.parts.certificates[1].certificates,
      ...(this.parts.certificates[1].files ? { files: this.parts.certificates[1].files } : {}),
      hashes: { ...h },
    };
  }

  async start(onState: (state: DesiredState) => void, onError: (error: Error) => void): Promise<void> {
    const retry = this.opts.retryMs ?? { min: 500, max: 15_000 };
    let failures = 0;
    const deliver = async (obj: IndexObject) => {
      const idx: StateIndex = parseStateIndex(obj);
      if (idx.hashes.all === this.lastAll) return;
      const state = await this.fromIndex(obj);
      this.lastAll = state.hashes.all;
      onState(state);
    };
    const selector = `?fieldSelector=${encodeURIComponent(`metadata.name=${this.names.index}`)}`;
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          // List (by name) for the current object and a resourceVersion to watch from.
          const list = await apiGet<{ metadata: { resourceVersion: string }; items: IndexObject[] }>(this.conn(), this.path("configmaps", undefined, selector));
          if (!list) throw new Error(`cannot list ${this.names.index}`);
          let rv = list.metadata.resourceVersion;
          if (list.items[0]) await deliver(list.items[0]);
          else this.log.info("desired state not published yet", { index: this.names.index });
          failures = 0;
          // Watch until the server ends it, then continue from the last version seen.
          let gone = false;
          while (!this.stopped && !gone) {
            let pending: Promise<void> = Promise.resolve();
            let failure: Error | null = null;
            const abort = (this.abort = { aborted: false } as { aborted: boolean; onAbort?: () => void });
            const q = `${selector}&watch=true&allowWatchBookmarks=true&timeoutSeconds=${this.opts.watchTimeoutSeconds ?? 300}&resourceVersion=${rv}`;
            await apiWatch<IndexObject & { code?: number; message?: string }>(
              this.conn(),
              this.path("configmaps", undefined, q),
              (ev) => {
                if (ev.type === "ERROR") {
                  gone = true; // 410 Gone and friends: list again
                  return;
                }
                if (ev.object.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
                if (ev.type === "ADDED" || ev.type === "MODIFIED") {
                  const obj = ev.object;
                  pending = pending
                    .then(() => deliver(obj))
                    .catch((e) => {
                      // A state that does not read whole (a shard missing or of another version):
                      // reported now, and read again from a fresh list after the backoff.
                      failure = e as Error;
                      abort.aborted = true;
                      abort.onAbort?.();
                    });
                }
                // DELETED: keep serving what we have; the controller publishes again.
              },
              abort,
            );
            await pending;
            if (failure) throw failure;
          }
        } catch (e) {
          if (this.stopped) break;
          onError(e instanceof Error ? e : new Error(String(e)));
          await this.sleep(backoffDelay(++failures, { initialMs: retry.min, maxMs: retry.max }));
        }
      }
    })();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      this.wake = r;
      this.sleepTimer = setTimeout(r, ms);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.aborted = true;
    this.abort.onAbort?.();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.loop?.catch(() => undefined);
  }
}
