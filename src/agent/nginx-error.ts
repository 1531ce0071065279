// Where in nginx.conf an `nginx -t` refusal points: the line of the first [emerg] that names the
// config file. The controller maps that line back to the Ingress it was rendered from.

/** The nginx.conf line `output` (nginx -t's stderr) blames, if an error names one. */
export function refusedLine(output: string): number | undefined {
  for (const line of output.split("\n")) {
    if (!line.includes("[emerg]")) continue;
    const m = / in \S*nginx\.conf:(\d+)\s*$/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}
