// Prints the ingress-nginx corpus figures (src/compat/corpus.ts) and, with --files, each file that
// is not fully honoured and why. Usage: npm run compat [-- --files]
import { checkCorpus, corpusDir } from "../src/compat/corpus.js";

const dir = corpusDir();
if (!dir) {
  console.error("compat: corpus not found (set PORTICO_CORPUS or put it at ../shared/corpus/ingress-nginx)");
  process.exit(1);
}
const { results, figures } = checkCorpus(dir);
if (process.argv.includes("--files")) {
  for (const r of results) if (r.outcome !== "honoured" && r.outcome !== "snippet") console.log(`${r.file}\t${r.outcome}\t${r.details.join(" | ")}`);
}
console.log(JSON.stringify(figures));
console.log(
  `snippet-free files admitted with every annotation honoured: ${figures.honoured}/${figures.snippetFree} (${((100 * figures.honoured) / figures.snippetFree).toFixed(1)}%); admitted with an access-control annotation ignored: ${figures.accessIgnored}; rejected by the Kubernetes API server itself (counted apart): ${figures.invalidForKubernetes}`,
);
