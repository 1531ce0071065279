// One kind of error for everything the launcher reports to a person: its message is a single line
// that says what failed and what to do. The CLI prints only the message (no stack trace).
export class ClusterError extends Error {
  override name = "ClusterError";
}

export function isClusterError(e: unknown): e is ClusterError {
  return e instanceof ClusterError;
}
