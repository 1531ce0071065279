// What the agent reports: what nginx serves, what is desired, and the latest unresolved problem.
export type AgentErrorPart = "config" | "endpoints" | "certificates" | "nginx";

export interface AgentError {
  part: AgentErrorPart;
  message: string;
  /** Hash of the part that failed, when there is one. */
  hash?: string;
  /** The line of nginx.conf nginx -t blamed (config refusals). */
  line?: number;
  at: string; // ISO time
}

export interface AgentStatus {
  /** Hashes of what nginx serves now ("" before the first apply). */
  appliedHashes: { config: string; endpoints: string; certificates: string };
  /** Hashes of the latest desired state received. */
  desiredHashes: { config: string; endpoints: string; certificates: string };
  reloads: number;
  restarts: number;
  /** The latest unresolved problem; null once everything desired is applied. */
  lastError: AgentError | null;
  lastAppliedAt: string | null;
  nginxRunning: boolean;
  nginxPid: number | null;
}

/** Records a problem (and logs it); returns what was recorded. */
export type ReportError = (part: AgentErrorPart, message: string, hash?: string) => AgentError;
