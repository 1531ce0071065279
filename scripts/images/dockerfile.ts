// What a Dockerfile needs from outside its context: the images its FROM lines name (not
// `scratch`, not an earlier stage). Pure.

export function externalBases(dockerfile: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  const lines = dockerfile.replace(/\\\n/g, " ").split("\n");
  for (const line of lines) {
    const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(line);
    if (!m) continue;
    const [, image, alias] = m;
    if (image !== "scratch" && !stages.has(image.toLowerCase()) && !bases.includes(image)) bases.push(image);
    if (alias) stages.add(alias.toLowerCase());
  }
  return bases;
}

/** The step buildah was running when it failed ("STEP 2/5: RUN ..."), from its output. */
export function failedStep(output: string): string | undefined {
  const steps = output.split("\n").filter((l) => /^STEP \d+\/\d+: /.test(l));
  const last = steps.at(-1);
  return last && last.length > 140 ? `${last.slice(0, 137)}...` : last;
}
