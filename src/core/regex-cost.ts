// How long a regex of the grammar (regex-grammar.ts) can backtrack, estimated from its structure:
// the steps PCRE2 takes to fail on the longest path, counting every way the pattern can split it.
//
// A quantifier or an alternation is ambiguous when what it can match next overlaps with what
// follows it (first/follow sets, case-folded): `.*` before `_`, `[a-z]*[a-z]*`, `(a|ab)`. Only an
// ambiguous one makes PCRE2 retry the rest of the pattern from each of its end positions; an
// unambiguous one fails its next step at once (`[^/]*/`), and anything followed only by what can
// match nothing never backtracks (the location regex is not anchored at its end: `/(.*)`). Each
// element costs its scan times the ways the ambiguous ones before it can end; an unbounded one
// scans and ends in up to MAX_SUBJECT ways, a bounded one in (max - min + 1).
//
// bench/regex-cost.ts measures it on real nginx with pcre_jit: at LIMITS.regexPathsPerHost
// locations, one ambiguous `.*` with a bounded repeat of 63 after it (about 67 passes over the
// path) costs ~7 ms of worker CPU per 4 KB request; two ambiguous unbounded ones (`.*.*x`), about
// MAX_SUBJECT passes, cost 150-300 ms.

import type { RegexNode } from "./regex-grammar.js";
import { ACCEPT, END, type CharSet } from "./regex-charset.js";

/** The longest path a location regex runs on: nginx's default large_client_header_buffers (8k)
 * bounds the request line. */
export const MAX_SUBJECT = 8192;
/** At most 64 passes over the longest path per regex (at most one ambiguous unbounded quantifier). */
export const MAX_MATCH_STEPS = 64 * MAX_SUBJECT;

export interface Cost {
  steps: number;
  /** Offsets of the ambiguous quantifiers and alternations (what the steps multiply by). */
  ambiguous: number[];
}

export function estimateSteps(tree: RegexNode[][]): Cost {
  const ambiguous: number[] = [];

  const walkSeq = (seq: RegexNode[], follow: CharSet, m: number): { steps: number; m: number } => {
    const follows: CharSet[] = new Array(seq.length);
    let cur = follow;
    for (let k = seq.length - 1; k >= 0; k--) {
      follows[k] = cur;
      cur = startOf(seq[k]!, cur);
    }
    let steps = 0;
    for (let k = 0; k < seq.length; k++) {
      const r = walkNode(seq[k]!, follows[k]!, m);
      steps += r.steps;
      // Once the rest can match nothing, the first way to get here succeeds.
      m = follows[k]! & ACCEPT ? 1 : r.m;
    }
    return { steps, m };
  };

  const walkNode = (node: RegexNode, follow: CharSet, m: number): { steps: number; m: number } => {
    if (node.kind === "set" || node.kind === "anchor") return { steps: m, m };
    if (node.kind === "group") {
      let steps = 0;
      let sum = 0;
      let max = 0;
      let seen = 0n;
      let overlap = false;
      for (const alt of node.alts) {
        const r = walkSeq(alt, follow, m);
        steps += r.steps;
        sum += r.m;
        max = Math.max(max, r.m);
        const first = startOfSeq(alt, follow) & ~ACCEPT;
        if (first & seen) overlap = true;
        seen |= first;
      }
      if (!overlap || follow & ACCEPT) return { steps, m: max };
      ambiguous.push(node.at);
      return { steps, m: sum };
    }
    const len = Math.max(fixedLength(node.atom), 1);
    const reps = node.max === Infinity ? Math.ceil(MAX_SUBJECT / len) : node.max;
    const steps = m * (Math.min(reps * len, MAX_SUBJECT) + 1);
    const first = startOf(node.atom, 0n);
    if (follow & ACCEPT || !(first & follow)) return { steps, m };
    ambiguous.push(node.at);
    return { steps, m: m * (reps - node.min + 1) };
  };

  const { steps } = walkNode({ kind: "group", alts: tree, at: 0 }, ACCEPT, 1);
  return { steps, ambiguous };
}

/** What `node` can match first, followed by `follow`: its first characters, plus `follow` when it
 * can match nothing. */
function startOf(node: RegexNode, follow: CharSet): CharSet {
  switch (node.kind) {
    case "set":
      return node.set;
    case "anchor":
      return node.end ? END : follow;
    case "group":
      return node.alts.reduce((acc, alt) => acc | startOfSeq(alt, follow), 0n);
    case "quant":
      return startOf(node.atom, follow) | (node.min === 0 ? follow : 0n);
  }
}

function startOfSeq(seq: RegexNode[], follow: CharSet): CharSet {
  let cur = follow;
  for (let k = seq.length - 1; k >= 0; k--) cur = startOf(seq[k]!, cur);
  return cur;
}

/** Characters one match of `node` consumes (the longest alternative; quantified atoms hold no
 * quantifier). */
function fixedLength(node: RegexNode): number {
  switch (node.kind) {
    case "set":
      return 1;
    case "anchor":
      return 0;
    case "group":
      return Math.max(...node.alts.map((alt) => alt.reduce((n, x) => n + fixedLength(x), 0)));
    case "quant":
      return fixedLength(node.atom) * (node.max === Infinity ? MAX_SUBJECT : node.max);
  }
}
