// Types of node-teardown.mjs (plain JS so the reaper runs it without tsx).
import type { NodeRecord } from "./state.js";
export function teardownNode(node: NodeRecord): void;
export function nodeLeftovers(node: NodeRecord): string[];
