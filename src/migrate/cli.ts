// portico migrate: the command line (I/O only; the logic is in migrate.ts, audit.ts, snippets.ts).
// Also run as a kubectl plugin: bin/kubectl-portico -> `kubectl portico migrate ...`.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { formatReport, migrateSource, summarize, type SourceDocs } from "./migrate.js";

const HELP = `Usage: portico migrate [options] <file|folder>...
       portico migrate --from-cluster [--context <name>] [-n <namespace>]
       kubectl portico migrate ...

Reads Ingress manifests (YAML or JSON; folders are read recursively for *.yaml, *.yml, *.json),
converts extensions/v1beta1 and networking.k8s.io/v1beta1 Ingresses to networking.k8s.io/v1,
rewrites their class to Portico's, and reports for each Ingress and annotation whether Portico
supports it, supports it with a different default (and which), refuses it (and why) or ignores
it; for each snippet annotation, the typed annotations that replace it or why none can.

Options:
  --class <name>       IngressClass to write (default: portico)
  --write <dir>        write the migrated manifests into <dir> (one file per input, same name;
                       "cluster.yaml" for --from-cluster); snippets with a complete typed form are
                       replaced by it, the others are left in place (Portico will refuse them)
  --from-cluster       read the Ingresses of the current kubectl context (kubectl on PATH)
  --context <name>     kubectl context for --from-cluster
  -n, --namespace <ns> only this namespace (--from-cluster; default: all namespaces)
  --quiet              list only the Ingresses that do not fully migrate
  --json               print the audit as JSON instead of text
  -h, --help           this help

Exit code: 0 when every Ingress migrates with every annotation honoured, 1 when some does not,
2 on a usage or input error.
`;

interface Options {
  className: string;
  write?: string;
  fromCluster: boolean;
  context?: string;
  namespace?: string;
  quiet: boolean;
  json: boolean;
  paths: string[];
}

function parseArgs(argv: string[]): Options | string {
  const o: Options = { className: "portico", fromCluster: false, quiet: false, json: false, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("-")) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === "-h" || a === "--help") return "help";
      else if (a === "--class") o.className = value();
      else if (a === "--write") o.write = value();
      else if (a === "--from-cluster") o.fromCluster = true;
      else if (a === "--context") o.context = value();
      else if (a === "-n" || a === "--namespace") o.namespace = value();
      else if (a === "--quiet") o.quiet = true;
      else if (a === "--json") o.json = true;
      else if (a.startsWith("-")) return `unknown option ${a}`;
      else o.paths.push(a);
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(o.className)) return `--class ${o.className}: not a valid IngressClass name`;
  if (!o.fromCluster && o.paths.length === 0) return "give files or folders to read, or --from-cluster";
  if (o.fromCluster && o.paths.length) return "--from-cluster reads no files";
  return o;
}

function listFiles(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((n) =>
      n.startsWith(".") ? [] : statSync(join(path, n)).isDirectory() ? listFiles(join(path, n)) : /\.(ya?ml|json)$/.test(n) ? [join(path, n)] : [],
    );
}

function readFileDocs(file: string): SourceDocs | string {
  const text = readFileSync(file, "utf8");
  const docs = parseAllDocuments(text);
  const bad = docs.find((d) => d.errors.length);
  if (bad) return `${file}: not valid YAML: ${bad.errors[0]!.message}`;
  return { source: file, docs: docs.map((d) => d.toJS()) };
}

function readCluster(o: Options): SourceDocs | string {
  const args = [
    "get",
    "ingresses.networking.k8s.io",
    "-o",
    "json",
    ...(o.namespace ? ["-n", o.namespace] : ["-A"]),
    ...(o.context ? ["--context", o.context] : []),
  ];
  const r = spawnSync("kubectl", args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error) return `kubectl: ${r.error.message}`;
  if (r.status !== 0) return `kubectl ${args.join(" ")}: ${r.stderr.trim()}`;
  const list = JSON.parse(r.stdout) as { items: Record<string, unknown>[] };
  // What the API server adds is not the user's manifest.
  for (const it of list.items) {
    const m = it.metadata as Record<string, unknown>;
    for (const k of ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"]) delete m[k];
    delete (m.annotations as Record<string, string> | undefined)?.["kubectl.kubernetes.io/last-applied-configuration"];
    delete it.status;
    it.apiVersion ??= "networking.k8s.io/v1";
    it.kind ??= "Ingress";
  }
  return { source: "cluster", docs: list.items };
}

export function main(argv: string[]): number {
  const o = parseArgs(argv);
  if (o === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (typeof o === "string") {
    process.stderr.write(`portico migrate: ${o}\n\n${HELP}`);
    return 2;
  }
  const sources: SourceDocs[] = [];
  if (o.fromCluster) {
    const s = readCluster(o);
    if (typeof s === "string") return fail(s);
    sources.push(s);
  } else {
    for (const p of o.paths) {
      if (!existsSync(p)) return fail(`${p}: no such file or folder`);
      for (const f of listFiles(p)) {
        const s = readFileDocs(f);
        if (typeof s === "string") return fail(s);
        sources.push(s);
      }
    }
  }
  const results = sources.map((s) => migrateSource(s, o.className));
  if (o.json)
    process.stdout.write(
      JSON.stringify(
        { summary: summarize(results), results: results.map((r) => ({ source: r.source, audits: r.audits.map(({ objects: _o, ...a }) => a) })) },
        null,
        2,
      ) + "\n",
    );
  else process.stdout.write(formatReport(results, { quiet: o.quiet }));
  if (o.write) {
    mkdirSync(o.write, { recursive: true });
    const names = new Set<string>();
    for (const r of results) {
      let name = r.source === "cluster" ? "cluster.yaml" : basename(r.source).replace(/\.json$/, ".yaml");
      while (names.has(name)) name = `x-${name}`;
      names.add(name);
      writeFileSync(join(o.write, name), r.output.map((d) => stringify(d)).join("---\n"));
    }
    process.stderr.write(`portico migrate: wrote ${names.size} file(s) into ${o.write}\n`);
  }
  const s = summarize(results);
  return s.migrating === s.ingresses ? 0 : 1;
}

function fail(message: string): number {
  process.stderr.write(`portico migrate: ${message}\n`);
  return 2;
}

const entry = process.argv[1] ?? "";
if (entry.endsWith("migrate/cli.ts") || entry.endsWith("migrate/cli.js")) {
  const args = process.argv.slice(2);
  process.exitCode = main(args[0] === "migrate" ? args.slice(1) : args);
}
