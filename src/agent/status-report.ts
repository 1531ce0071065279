// What the agent reports on its IngressController's status (the data-plane Role allows exactly
// `patch` on ingresscontrollers/status of its own controller). Only the fields the agent owns;
// the operator derives the ConfigApplied condition from them. Writes are coalesced: at most one
// request in flight, the latest status wins, unchanged reports cost nothing.
import type { AgentStatus } from "./agent.js";
import { apiMergePatch, loadConnection } from "./kube-api.js";

export interface ReportedStatus {
  appliedConfigHash: string;
  reloads: number;
  lastError: string;
  /** null removes it (merge patch) once the refusal is resolved. */
  refusedConfig: { hash: string; line: number; message: string } | null;
}

/** Pure: the status fields for one agent status. */
export function reportedStatus(s: AgentStatus): ReportedStatus {
  return {
    appliedConfigHash: s.appliedHashes.config,
    reloads: s.reloads,
    lastError: s.lastError ? `${s.lastError.part}: ${s.lastError.message}`.slice(0, 4096) : "",
    refusedConfig:
      s.lastError?.part === "config" && s.lastError.hash && s.lastError.line !== undefined
        ? { hash: s.lastError.hash, line: s.lastError.line, message: s.lastError.message.slice(0, 4096) }
        : null,
  };
}

export class StatusReporter {
  private latest: ReportedStatus | undefined;
  private sent = "";
  private busy = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly namespace: string,
    private readonly name: string,
    private readonly onError: (err: Error) => void = () => {},
    private readonly kubeconfig?: string,
  ) {}

  report(status: AgentStatus): void {
    this.latest = reportedStatus(status);
    void this.flush();
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async flush(): Promise<void> {
    if (this.busy || !this.latest) return;
    const body = JSON.stringify(this.latest);
    if (body === this.sent) return;
    this.busy = true;
    try {
      // Loaded per write: in local mode the token file is refreshed while the agent runs.
      const conn = loadConnection(this.kubeconfig);
      await apiMergePatch(conn, `/apis/portico.dev/v1alpha1/namespaces/${this.namespace}/ingresscontrollers/${this.name}/status`, { status: this.latest });
      this.sent = body;
    } catch (err) {
      this.onError(err as Error);
      this.retryTimer = setTimeout(() => void this.flush(), 5000);
      this.retryTimer.unref();
    } finally {
      this.busy = false;
    }
    if (JSON.stringify(this.latest) !== this.sent) void this.flush();
  }
}
