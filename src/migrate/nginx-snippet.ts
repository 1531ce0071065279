// A small reader for the nginx syntax found in snippet annotations: statements and blocks with
// nginx's quoting ('...' and "..." with \-escapes) and # comments. Pure; used only to understand
// what a snippet does, never to write configuration.

export interface Stmt {
  name: string;
  args: string[];
  block?: Stmt[];
}

export function parseSnippet(text: string): Stmt[] | string {
  const tokens: (string | { p: "{" | "}" | ";" })[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "{" || c === "}" || c === ";") {
      tokens.push({ p: c });
      i++;
    } else if (c === '"' || c === "'") {
      let v = "";
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\\" && i + 1 < text.length) {
          const n = text[i + 1]!;
          v += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : n === '"' || n === "'" || n === "\\" ? n : `\\${n}`;
          i += 2;
        } else v += text[i++];
      }
      if (i >= text.length) return "unterminated quoted string";
      i++;
      tokens.push(v);
    } else {
      let v = "";
      while (i < text.length && !/[\s;{}]/.test(text[i]!)) v += text[i++];
      tokens.push(v);
    }
  }
  let pos = 0;
  const block = (): Stmt[] | string => {
    const out: Stmt[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos]!;
      if (typeof t !== "string") {
        if (t.p === "}") return out;
        return `unexpected "${t.p}"`;
      }
      const words: string[] = [];
      while (pos < tokens.length && typeof tokens[pos] === "string") words.push(tokens[pos++] as string);
      const end = tokens[pos];
      if (end === undefined) return `statement "${words.join(" ")}" is not terminated`;
      pos++;
      if (typeof end !== "string" && end.p === ";") out.push({ name: words[0]!, args: words.slice(1) });
      else if (typeof end !== "string" && end.p === "{") {
        const inner = block();
        if (typeof inner === "string") return inner;
        if (tokens[pos] === undefined) return `block "${words.join(" ")}" is not closed`;
        pos++;
        out.push({ name: words[0]!, args: words.slice(1), block: inner });
      } else return `unexpected "}" after "${words.join(" ")}"`;
    }
    return out;
  };
  const r = block();
  if (typeof r === "string") return r;
  if (pos < tokens.length) return "unbalanced braces";
  return r;
}
