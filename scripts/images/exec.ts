// Child processes for the image build: output goes to a log file (or is captured), and a failure
// is an Error whose message names the command and ends with the log's last lines.
import { spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Appends stdout and stderr here; without it both are captured and returned. */
  log?: WriteStream;
  input?: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly output: string,
  ) {
    super(`${command} failed (${status === null ? "killed" : `exit ${status}`})${output ? `:\n${tail(output, 15)}` : ""}`);
  }
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Runs a command; resolves with its output (stdout+stderr interleaved, last 64 KiB kept). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let out = "";
    const keep = (d: Buffer) => {
      out = (out + d.toString("utf8")).slice(-65536);
      opts.log?.write(d);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    child.on("error", (e) => reject(new CommandError(`${cmd} ${args.join(" ")}`, null, e.message)));
    child.on("close", (status) => {
      if (status === 0) resolve(out);
      else reject(new CommandError(`${cmd} ${args.slice(0, 3).join(" ")}`, status, out));
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

export function openLog(path: string): WriteStream {
  return createWriteStream(path, { flags: "w" });
}

export function closeLog(log: WriteStream): Promise<void> {
  return new Promise((r) => log.end(r));
}
