// Copies repository files into the ConfigMap keys that carry them, so the scripts a pod
// runs are the files that are linted and tested. Run: npm run manifests:embed
import { readFileSync, writeFileSync } from "node:fs";
import { parseDocument } from "yaml";

export interface EmbeddedFile {
  manifest: string;
  key: string;
  source: string;
}

export const EMBEDDED_FILES: EmbeddedFile[] = [
  {
    manifest: "manifests/pgbackrest-config.yaml",
    key: "restore-validation.sh",
    source: "scripts/restore-validation.sh",
  },
];

export function readEmbedded(file: EmbeddedFile, root = "."): unknown {
  return parseDocument(readFileSync(`${root}/${file.manifest}`, "utf8")).getIn(["data", file.key]);
}

function embed(file: EmbeddedFile): boolean {
  const doc = parseDocument(readFileSync(file.manifest, "utf8"));
  const content = readFileSync(file.source, "utf8");
  if (doc.getIn(["data", file.key]) === content) return false;
  doc.setIn(["data", file.key], content);
  writeFileSync(file.manifest, String(doc));
  return true;
}

if (import.meta.main) {
  for (const file of EMBEDDED_FILES) {
    const changed = embed(file);
    console.log(
      `${file.manifest}: ${file.key} ${changed ? "updated from" : "already matches"} ${file.source}`,
    );
  }
}
