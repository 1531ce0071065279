// The one regex grammar of Ingress paths: a subset that PCRE2 (nginx) and JavaScript (admission,
// tests) read the same way, with bounded backtracking. Parsed here, never by trial compilation:
// `new RegExp` accepting a pattern says nothing about PCRE2 (`[:alpha:]`, `x{65536}`, `[]`).
//
//   regex  := alt
//   alt    := seq ('|' seq)*
//   seq    := (atom quant?)*
//   atom   := literal | '.' | '^' | '$' | escape | class | '(' alt ')' | '(?:' alt ')'
//   quant  := ('*' | '+' | '?' | '{n}' | '{n,}' | '{n,m}') '?'?       n <= m <= MAX_REPEAT
//   class  := '[' '^'? item+ ']'      item := char | char '-' char | escape ; no '[' inside
//   escape := '\' one of . / - ? + * ( ) [ ] { } ^ $ | d D w W
//   literal:= A-Z a-z 0-9 _ ~ ! ' , = : @ & % / -
//
// Literal `{`, `}` and `]` must be escaped (PCRE2 10.43 reads `{,5}` as a quantifier, JS as text);
// `^`/`$` are not quantifiable; groups nest at most MAX_DEPTH deep.
//
// Backtracking is bounded by construction (regex-cost.ts): no quantified group may contain a
// quantifier or an alternation (`(a|aa)+`, `(a+)+`), and the estimated steps of a failing match on
// the longest path stay within MAX_MATCH_STEPS.

import { DIGIT, DOT, WORD, charSet, complement, type CharSet } from "./regex-charset.js";
import { estimateSteps, MAX_MATCH_STEPS, MAX_SUBJECT } from "./regex-cost.js";

export const MAX_REPEAT = 255;
export const MAX_DEPTH = 8;

/** A parsed regex: a character (set), an anchor, a group of alternatives or a quantified atom.
 * `at` is the offset in the source (for messages). */
export type RegexNode =
  | { kind: "set"; set: CharSet; at: number }
  | { kind: "anchor"; end: boolean; at: number }
  | { kind: "group"; alts: RegexNode[][]; at: number }
  | { kind: "quant"; atom: RegexNode; min: number; max: number; at: number };

const LITERAL = /[A-Za-z0-9_~!',=:@&%\/-]/;
const ESCAPABLE = /[.\/\-?+*()[\]{}^$|dDwW]/;

class Bad extends Error {}

/** Returns undefined when `source` is in the grammar, else the reason (for "regex ...: <reason>"). */
export function checkRegex(source: string): string | undefined {
  try {
    const tree = parseRegex(source);
    const cost = estimateSteps(tree);
    if (cost.steps > MAX_MATCH_STEPS) {
      const at = cost.ambiguous.slice(0, 6).join(", ");
      const where =
        cost.ambiguous.length === 1 ? `the quantifier or alternation at offset ${at} can` : `the quantifiers or alternations at offsets ${at} can each`;
      return (
        `too costly to match (backtracking): ${where} stop at many places, because what follows can match the same characters, ` +
        `so a failing ${MAX_SUBJECT}-byte path takes about ${cost.steps.toExponential(1)} steps (at most ${MAX_MATCH_STEPS.toExponential(1)}); ` +
        `let at most one unbounded quantifier (*, +, {n,}) be followed by something it also matches (e.g. [^/]* rather than .* before a '/'), or shorten bounded repeats`
      );
    }
  } catch (e) {
    if (e instanceof Bad) return e.message;
    throw e;
  }
  return undefined;
}

/** Parses a regex of the grammar; throws Bad with the reason. */
function parseRegex(source: string): RegexNode[][] {
  let i = 0;
  const at = () => `at offset ${i}`;
  const bad = (m: string): never => {
    throw new Bad(m);
  };

  const quantifier = (): { min: number; max: number } | undefined => {
    const c = source[i];
    let min = 0;
    let max = Infinity;
    if (c === "*") i++;
    else if (c === "+") {
      min = 1;
      i++;
    } else if (c === "?") {
      max = 1;
      i++;
    } else if (c === "{") {
      const m = /^\{([0-9]{1,3})(,([0-9]{0,3}))?\}/.exec(source.slice(i));
      if (!m) return bad(`'{' ${at()} must start a count {n}, {n,} or {n,m} (escape a literal brace as \\{)`);
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) return bad(`count ${m[0]} ${at()} exceeds ${MAX_REPEAT}`);
      if (max < min) return bad(`count ${m[0]} ${at()} has its bounds reversed`);
      i += m[0].length;
    } else return undefined;
    if (source[i] === "?") i++; // lazy: same meaning in both
    if (source[i] === "+") bad(`possessive quantifier ${at()} is not allowed`);
    if (source[i] === "*" || source[i] === "{" || (source[i] === "?" && source[i - 1] === "?")) bad(`repeated quantifier ${at()}`);
    return { min, max };
  };

  // The literal character of a class item, or "" for a shorthand (\d, \w) that cannot bound a range.
  const classItem = (): { char: string; set: CharSet } => {
    const c = source[i];
    if (c === undefined) return bad("unterminated character class");
    if (c === "\\") {
      const e = source[i + 1];
      if (e === undefined || !ESCAPABLE.test(e)) return bad(`'\\${e ?? ""}' ${at()} is not an allowed escape`);
      i += 2;
      const short = shorthand(e);
      return short ? { char: "", set: short } : { char: e, set: charSet(e) };
    }
    if (c === "[") return bad(`'[' inside a character class ${at()} must be escaped (POSIX classes like [:alpha:] are not allowed)`);
    if (!LITERAL.test(c) && !/[.*+?()|^$]/.test(c)) return bad(`${JSON.stringify(c)} ${at()} is not allowed in a character class`);
    i++;
    return { char: c, set: charSet(c) };
  };

  const charClass = (): CharSet => {
    if (readsAsPosixClass(source, i)) bad(`${JSON.stringify(source.slice(i, i + 2))} ${at()} reads as a POSIX class in PCRE (escape or reorder it)`);
    i++; // [
    const negated = source[i] === "^";
    if (negated) i++;
    if (source[i] === "]") bad(`empty character class ${at()} (PCRE and JavaScript read it differently)`);
    let set: CharSet = 0n;
    while (source[i] !== "]") {
      const lo = classItem();
      if (source[i] === "-" && source[i + 1] !== "]" && source[i + 1] !== undefined) {
        i++;
        const hi = classItem();
        if (lo.char === "" || hi.char === "") bad(`a range ${at()} cannot start or end with \\d or \\w`);
        if (lo.char > hi.char) bad(`range ${lo.char}-${hi.char} ${at()} is out of order`);
        set |= charSet(lo.char, hi.char);
      } else set |= lo.set;
    }
    i++; // ]
    return negated ? complement(set) : set;
  };

  const alt = (depth: number): RegexNode[][] => {
    const alts = [seq(depth)];
    while (source[i] === "|") {
      i++;
      alts.push(seq(depth));
    }
    return alts;
  };

  const seq = (depth: number): RegexNode[] => {
    const nodes: RegexNode[] = [];
    for (;;) {
      const c = source[i];
      const start = i;
      if (c === undefined || c === "|" || c === ")") return nodes;
      let node: RegexNode;
      if (c === "(") {
        if (depth >= MAX_DEPTH) bad(`groups nested deeper than ${MAX_DEPTH}`);
        i++;
        if (source[i] === "?") {
          if (source[i + 1] !== ":") bad(`'(?' ${at()}: only non-capturing groups '(?:' are allowed`);
          i += 2;
        }
        const alts = alt(depth + 1);
        if (source[i] !== ")") bad(`unbalanced '(' (missing ')')`);
        i++;
        node = { kind: "group", alts, at: start };
      } else if (c === "[") node = { kind: "set", set: charClass(), at: start };
      else if (c === "\\") {
        const e = source[i + 1];
        if (e === undefined || !ESCAPABLE.test(e)) bad(`'\\${e ?? ""}' ${at()} is not an allowed escape (use \\. \\/ \\d \\w and escaped punctuation only)`);
        i += 2;
        node = { kind: "set", set: shorthand(e!) ?? charSet(e!), at: start };
      } else if (c === "^" || c === "$") {
        i++;
        node = { kind: "anchor", end: c === "$", at: start };
      } else if (c === ".") {
        i++;
        node = { kind: "set", set: DOT, at: start };
      } else if (c === "*" || c === "+" || c === "?") return bad(`quantifier ${JSON.stringify(c)} ${at()} has nothing to repeat`);
      else if (c === "{" || c === "}" || c === "]") return bad(`${JSON.stringify(c)} ${at()} must be escaped as \\${c}`);
      else if (LITERAL.test(c)) {
        i++;
        node = { kind: "set", set: charSet(c), at: start };
      } else return bad(`${JSON.stringify(c)} ${at()} is not allowed`);
      const q = quantifier();
      if (q) {
        if (node.kind === "anchor") bad(`'${c}' cannot be repeated (${at()})`);
        if (node.kind === "group" && containsChoice(node))
          bad(`the repeated group ending ${at()} contains a quantifier or an alternation (catastrophic backtracking)`);
        node = { kind: "quant", atom: node, min: q.min, max: q.max, at: start };
      }
      nodes.push(node);
    }
  };

  const tree = alt(0);
  if (i < source.length) bad(`unbalanced ')' ${at()}`);
  return tree;
}

function shorthand(e: string): CharSet | undefined {
  return e === "d" ? DIGIT : e === "D" ? complement(DIGIT) : e === "w" ? WORD : e === "W" ? complement(WORD) : undefined;
}

/** A group holding a quantifier or an alternation at any depth. */
function containsChoice(g: RegexNode & { kind: "group" }): boolean {
  return g.alts.length > 1 || g.alts.some((s) => s.some((n) => n.kind === "quant" || (n.kind === "group" && containsChoice(n))));
}

/** PCRE2's check_posix_syntax: `[` then `:`, `.` or `=`, closed by the same character and `]`
 * before any unescaped `]` (it makes PCRE2 refuse the pattern). */
function readsAsPosixClass(source: string, open: number): boolean {
  const term = source[open + 1];
  if (term !== ":" && term !== "." && term !== "=") return false;
  for (let p = open + 2; p + 1 < source.length; p++) {
    if (source[p] === "\\" && (source[p + 1] === "]" || source[p + 1] === "\\")) p++;
    else if ((source[p] === "[" && source[p + 1] === term) || source[p] === "]") return false;
    else if (source[p] === term && source[p + 1] === "]") return true;
  }
  return false;
}

/** The characters every match of a regex of the grammar starts with, lower-cased (what its first
 * single-character elements spell out), or undefined when `source` is not in the grammar. */
export function literalPrefix(source: string): string | undefined {
  let tree: RegexNode[][];
  try {
    tree = parseRegex(source);
  } catch (e) {
    if (e instanceof Bad) return undefined;
    throw e;
  }
  let prefix = "";
  let seq = tree.length === 1 ? tree[0]! : [];
  // A leading group of one alternative is read through: `/(_portico)x`.
  for (let k = 0; k < seq.length; k++) {
    const n = seq[k]!;
    if (n.kind === "group" && n.alts.length === 1) {
      seq = [...n.alts[0]!, ...seq.slice(k + 1)];
      k = -1;
      continue;
    }
    const c = n.kind === "set" ? singleChar(n.set) : undefined;
    if (c === undefined) break;
    prefix += c;
  }
  return prefix;
}

/** The one character (lower case) a case-closed set holds, if it holds one. */
function singleChar(set: CharSet): string | undefined {
  for (let b = 0; b < 256; b++) {
    if (!(set & (1n << BigInt(b)))) continue;
    const c = String.fromCharCode(b).toLowerCase();
    return set === charSet(c) ? c : undefined;
  }
  return undefined;
}

/** Regex source matching a plain path literally (every metacharacter of the grammar escaped). */
export function escapeLiteral(path: string): string {
  return path.replace(/[.*+?()[\]{}^$|]/g, (c) => `\\${c}`);
}
