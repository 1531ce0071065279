// A tiny nginx config AST and its printer. Directive names are constants of our own code; every
// argument is a Token from nginx-values.ts, so the printer never sees a raw user string.

import type { Token } from "../nginx-values.js";

export interface Directive {
  name: string;
  args: Token[];
  /** Nested block `{ ... }`. */
  block?: Directive[];
  /** Body of a *_by_lua_block: Lua source written in our own code. */
  lua?: string;
  /** namespace/name of the Ingresses whose input this directive (and its block) was rendered from. */
  sources?: readonly string[];
}

/** Lines `start`..`end` (1-based, inclusive) of the printed text came from the Ingresses `sources`. */
export interface LineSource {
  start: number;
  end: number;
  sources: readonly string[];
}

export const d = (name: string, ...args: Token[]): Directive => ({ name, args });
export const b = (name: string, args: Token[], block: Directive[]): Directive => ({ name, args, block });
/** A block entry without a directive name (map pairs, types lines are named by their type). */
export const entry = (...args: Token[]): Directive => ({ name: "", args });
export const luaBlock = (name: string, lua: string): Directive => ({ name, args: [], lua });

const NAME = /^[a-z_][a-z0-9_]*$/;

export function print(directives: Directive[]): string {
  return printWithSources(directives).text;
}

/** The text, and which of its lines came from which Ingresses (directives with `sources`), so an
 * `nginx -t` error at a line can be traced back to the Ingress that caused it. */
export function printWithSources(directives: Directive[], firstLine = 1): { text: string; sources: LineSource[] } {
  const out: string[] = [];
  const sources: LineSource[] = [];
  const line = { n: firstLine };
  emit(directives, "", out, sources, line);
  return { text: out.join(""), sources };
}

const newlines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) n++;
  return n;
};

function emit(directives: Directive[], indent: string, out: string[], sources: LineSource[], line: { n: number }): void {
  const push = (text: string) => {
    out.push(text);
    line.n += newlines(text);
  };
  for (const dir of directives) {
    const start = line.n;
    if (dir.name === "" && dir.args.length >= 1 && !dir.block && dir.lua === undefined) {
      push(`${indent}${dir.args.join(" ")};\n`);
    } else {
      if (!NAME.test(dir.name)) throw new Error(`writer: bad directive name ${JSON.stringify(dir.name)}`);
      const head = dir.args.length ? `${indent}${dir.name} ${dir.args.join(" ")}` : `${indent}${dir.name}`;
      if (dir.lua !== undefined) {
        const body = dir.lua
          .split("\n")
          .map((l) => (l ? `${indent}  ${l}` : l))
          .join("\n");
        push(`${head} {\n${body}\n${indent}}\n`);
      } else if (dir.block) {
        push(`${head} {\n`);
        emit(dir.block, indent + "  ", out, sources, line);
        push(`${indent}}\n`);
      } else {
        push(`${head};\n`);
      }
    }
    if (dir.sources?.length) sources.push({ start, end: line.n - 1, sources: dir.sources });
  }
}

/** The Ingresses line `line` came from: those of the innermost range holding it (ranges nest like
 * blocks); [] when no Ingress rendered it. */
export function sourcesOfLine(sources: readonly LineSource[], line: number): readonly string[] {
  let best: LineSource | undefined;
  for (const r of sources) if (r.start <= line && line <= r.end && (!best || r.end - r.start < best.end - best.start)) best = r;
  return best?.sources ?? [];
}
