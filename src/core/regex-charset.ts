// Character sets of the regex grammar as bit sets (bigint): bit b for byte b of the path, plus two
// pseudo-characters for the cost analysis (regex-cost.ts): END for `$` and ACCEPT for the end of
// the regex. Sets are case-closed: nginx matches regex locations case-insensitively (`~*`).

export type CharSet = bigint;

export const BYTES: CharSet = (1n << 256n) - 1n;
export const END: CharSet = 1n << 256n;
export const ACCEPT: CharSet = 1n << 257n;

/** The bytes from..to (one character when `to` is omitted) and their other case. */
export function charSet(from: string, to = from): CharSet {
  let set = 0n;
  for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) {
    set |= 1n << BigInt(c);
    const ch = String.fromCharCode(c);
    const other = ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
    if (other.length === 1 && other.charCodeAt(0) < 128) set |= 1n << BigInt(other.charCodeAt(0));
  }
  return set;
}

/** Every byte not in `set` (sets stay case-closed: the complement of a case-closed set is). */
export function complement(set: CharSet): CharSet {
  return BYTES & ~set;
}

export const DIGIT = charSet("0", "9");
export const WORD = charSet("a", "z") | DIGIT | charSet("_");
export const DOT = complement(charSet("\n"));
