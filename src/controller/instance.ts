// The controller of this process, created on first use (only the watcher process uses it), with
// the API writers of src/k8s and an initial list of every kind before the first rebuild.

import { logger } from "../log.js";
import { listAllKinds } from "../k8s/list-all.js";
import { apiControllerWriters } from "../k8s/controller-writers.js";
import { Controller, describeError } from "./controller.js";
import { STORED_KINDS } from "./store.js";

let instance: Controller | undefined;

export function controller(): Controller {
  if (instance) return instance;
  const log = logger("controller");
  const created = new Controller(apiControllerWriters(logger("writer")), log, {
    holdOffMs: Number(process.env.PORTICO_HOLD_OFF_MS ?? 50),
    maxDelayMs: Number(process.env.PORTICO_MAX_DELAY_MS ?? 500),
  });
  instance = created;
  void primeWithRetry(created, log);
  return created;
}

async function primeWithRetry(c: Controller, log: ReturnType<typeof logger>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const lists = await listAllKinds();
      for (const kind of STORED_KINDS) for (const obj of lists[kind]) c.upsert(kind, obj as never);
      c.markSynced();
      log.info("initial list done", Object.fromEntries(STORED_KINDS.map((k) => [k, lists[k].length])));
      return;
    } catch (err) {
      const wait = Math.min(30_000, 500 * 2 ** attempt);
      log.error("initial list failed; retrying", { error: describeError(err), attempt, retryInMs: wait });
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
