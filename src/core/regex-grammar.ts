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
// `^`/`$` are not quantifiable. Backtracking stays polynomial and small: no quantified group may
// contain a quantifier or an alternation (`(a|aa)+`, `(a+)+`), a regex has at most
// MAX_UNBOUNDED unbounded quantifiers, and the ways to split a path among its quantifiers stay
// within MAX_BACKTRACK_CHOICES: each bounded one multiplies by its repeat choices (max - min + 1),
// each unbounded one by UNBOUNDED_CHOICES (bench/regex-cost.ts: six `[a-z]{0,255}` in a row cost
// 1.2 s of worker CPU per 4 KB request on 64 locations, `.*[a-z]{0,255}.*` over two minutes,
// `.*.*` alone ~0.3 s); groups nest at most MAX_DEPTH deep.

export const MAX_REPEAT = 255;
export const MAX_UNBOUNDED = 2;
export const MAX_DEPTH = 8;
export const MAX_BACKTRACK_CHOICES = 4096;
export const UNBOUNDED_CHOICES = 64;

const LITERAL = /[A-Za-z0-9_~!',=:@&%\/-]/;
const ESCAPABLE = /[.\/\-?+*()[\]{}^$|dDwW]/;
const SHORTHAND = /[dDwW]/;

interface Scan {
  /** The group contains a quantifier or an alternation somewhere inside. */
  complex: boolean;
}

/** Returns undefined when `source` is in the grammar, else the reason (for "regex ...: <reason>"). */
export function checkRegex(source: string): string | undefined {
  let i = 0;
  let unbounded = 0;
  let choices = 1;
  const at = () => `at offset ${i}`;
  class Bad extends Error {}
  const bad = (m: string): never => {
    throw new Bad(m);
  };

  const quantifier = (): { unbounded: boolean } | undefined => {
    const c = source[i];
    let unb = false;
    let boundedRange = 0;
    if (c === "*" || c === "+") {
      unb = true;
      i++;
    } else if (c === "?") i++;
    else if (c === "{") {
      const m = /^\{([0-9]{1,3})(,([0-9]{0,3}))?\}/.exec(source.slice(i));
      if (!m) return bad(`'{' ${at()} must start a count {n}, {n,} or {n,m} (escape a literal brace as \\{)`);
      const n = Number(m[1]);
      const max = m[2] === undefined ? n : m[3] === "" ? Infinity : Number(m[3]);
      if (n > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) return bad(`count ${m[0]} ${at()} exceeds ${MAX_REPEAT}`);
      if (max < n) return bad(`count ${m[0]} ${at()} has its bounds reversed`);
      unb = max === Infinity;
      boundedRange = unb ? 0 : max - n;
      i += m[0].length;
    } else return undefined;
    if (source[i] === "?") i++; // lazy: same meaning in both
    if (source[i] === "+") bad(`possessive quantifier ${at()} is not allowed`);
    if (source[i] === "*" || source[i] === "{" || (source[i] === "?" && source[i - 1] === "?")) bad(`repeated quantifier ${at()}`);
    if (unb && ++unbounded > MAX_UNBOUNDED) bad(`more than ${MAX_UNBOUNDED} unbounded quantifiers (*, +, {n,})`);
    choices *= unb ? UNBOUNDED_CHOICES : (c === "?" ? 1 : c === "{" ? boundedRange : 0) + 1;
    if (choices > MAX_BACKTRACK_CHOICES)
      bad(
        `the quantifiers up to offset ${i} allow too many ways to split a path (backtracking): two unbounded ones (*, +, {n,}) and nothing else variable, one with bounded ranges whose repeat choices multiply to at most ${MAX_BACKTRACK_CHOICES / UNBOUNDED_CHOICES}, or bounded ones only, multiplying to at most ${MAX_BACKTRACK_CHOICES}`,
      );
    return { unbounded: unb };
  };

  const classItem = (): string => {
    // Returns the literal character, or "" for a shorthand (\d, \w) that cannot bound a range.
    const c = source[i];
    if (c === undefined) return bad("unterminated character class");
    if (c === "\\") {
      const e = source[i + 1];
      if (e === undefined || !ESCAPABLE.test(e)) return bad(`'\\${e ?? ""}' ${at()} is not an allowed escape`);
      i += 2;
      return SHORTHAND.test(e) ? "" : e;
    }
    if (c === "[") return bad(`'[' inside a character class ${at()} must be escaped (POSIX classes like [:alpha:] are not allowed)`);
    if (!LITERAL.test(c) && !/[.*+?()|^$]/.test(c)) return bad(`${JSON.stringify(c)} ${at()} is not allowed in a character class`);
    i++;
    return c;
  };

  const charClass = () => {
    if (readsAsPosixClass(source, i)) bad(`${JSON.stringify(source.slice(i, i + 2))} ${at()} reads as a POSIX class in PCRE (escape or reorder it)`);
    i++; // [
    if (source[i] === "^") i++;
    if (source[i] === "]") bad(`empty character class ${at()} (PCRE and JavaScript read it differently)`);
    while (source[i] !== "]") {
      const lo = classItem();
      if (source[i] === "-" && source[i + 1] !== "]" && source[i + 1] !== undefined) {
        i++;
        const hi = classItem();
        if (lo === "" || hi === "") bad(`a range ${at()} cannot start or end with \\d or \\w`);
        if (lo > hi) bad(`range ${lo}-${hi} ${at()} is out of order`);
      }
    }
    i++; // ]
  };

  const alt = (depth: number): Scan => {
    let complex = false;
    for (;;) {
      if (seq(depth).complex) complex = true;
      if (source[i] !== "|") break;
      complex = true;
      i++;
    }
    return { complex };
  };

  const seq = (depth: number): Scan => {
    let complex = false;
    for (;;) {
      const c = source[i];
      if (c === undefined || c === "|" || c === ")") return { complex };
      let quantifiable = true;
      let groupComplex = false;
      let isGroup = false;
      if (c === "(") {
        if (depth >= MAX_DEPTH) bad(`groups nested deeper than ${MAX_DEPTH}`);
        i++;
        if (source[i] === "?") {
          if (source[i + 1] !== ":") bad(`'(?' ${at()}: only non-capturing groups '(?:' are allowed`);
          i += 2;
        }
        groupComplex = alt(depth + 1).complex;
        if (source[i] !== ")") bad(`unbalanced '(' (missing ')')`);
        i++;
        isGroup = true;
      } else if (c === ")") return { complex };
      else if (c === "[") charClass();
      else if (c === "\\") {
        const e = source[i + 1];
        if (e === undefined || !ESCAPABLE.test(e)) bad(`'\\${e ?? ""}' ${at()} is not an allowed escape (use \\. \\/ \\d \\w and escaped punctuation only)`);
        i += 2;
      } else if (c === "^" || c === "$") {
        quantifiable = false;
        i++;
      } else if (c === ".") i++;
      else if (c === "*" || c === "+" || c === "?") bad(`quantifier ${JSON.stringify(c)} ${at()} has nothing to repeat`);
      else if (c === "{" || c === "}" || c === "]") bad(`${JSON.stringify(c)} ${at()} must be escaped as \\${c}`);
      else if (LITERAL.test(c)) i++;
      else bad(`${JSON.stringify(c)} ${at()} is not allowed`);
      const q = quantifier();
      if (q) {
        if (!quantifiable) bad(`'${c}' cannot be repeated (${at()})`);
        if (isGroup && groupComplex) bad(`the repeated group ending ${at()} contains a quantifier or an alternation (catastrophic backtracking)`);
        complex = true;
      }
      if (isGroup && groupComplex) complex = true;
    }
  };

  try {
    alt(0);
    if (i < source.length) bad(`unbalanced ')' ${at()}`);
  } catch (e) {
    if (e instanceof Bad) return e.message;
    throw e;
  }
  return undefined;
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

/** Regex source matching a plain path literally (every metacharacter of the grammar escaped). */
export function escapeLiteral(path: string): string {
  return path.replace(/[.*+?()[\]{}^$|]/g, (c) => `\\${c}`);
}
