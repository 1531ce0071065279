// Where desired states come from. Implementations: FileSource (a directory; tests, debugging) and
// ApiSource (the desired-state objects in the Kubernetes API, watched by name).
import type { DesiredState } from "../core/contract.js";

export interface DesiredStateSource {
  /** A short description for logs ("file:/dir", "api:ns/name"). */
  readonly description: string;
  /**
   * Starts delivering states: `onState` gets every new complete state (never the same `hashes.all`
   * twice in a row), `onError` problems reading it (the source keeps trying).
   */
  start(onState: (state: DesiredState) => void, onError: (error: Error) => void): Promise<void>;
  stop(): Promise<void>;
}
