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
}

export const d = (name: string, ...args: Token[]): Directive => ({ name, args });
export const b = (name: string, args: Token[], block: Directive[]): Directive => ({ name, args, block });
/** A block entry without a directive name (map pairs, types lines are named by their type). */
export const entry = (...args: Token[]): Directive => ({ name: "", args });
export const luaBlock = (name: string, lua: string): Directive => ({ name, args: [], lua });

const NAME = /^[a-z_][a-z0-9_]*$/;

export function print(directives: Directive[]): string {
  const out: string[] = [];
  emit(directives, "", out);
  return out.join("");
}

function emit(directives: Directive[], indent: string, out: string[]): void {
  for (const dir of directives) {
    if (dir.name === "" && dir.args.length >= 1 && !dir.block && dir.lua === undefined) {
      out.push(`${indent}${dir.args.join(" ")};\n`);
      continue;
    }
    if (!NAME.test(dir.name)) throw new Error(`writer: bad directive name ${JSON.stringify(dir.name)}`);
    const head = dir.args.length ? `${indent}${dir.name} ${dir.args.join(" ")}` : `${indent}${dir.name}`;
    if (dir.lua !== undefined) {
      const body = dir.lua
        .split("\n")
        .map((l) => (l ? `${indent}  ${l}` : l))
        .join("\n");
      out.push(`${head} {\n${body}\n${indent}}\n`);
    } else if (dir.block) {
      out.push(`${head} {\n`);
      emit(dir.block, indent + "  ", out);
      out.push(`${indent}}\n`);
    } else {
      out.push(`${head};\n`);
    }
  }
}
