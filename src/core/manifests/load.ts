// Reading Kubernetes manifests: multi-document YAML files, one object per document.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

export interface ManifestDoc {
  file: string;
  /** Position of the document in its file, from 0. */
  index: number;
  object: Record<string, unknown>;
}

export function loadManifestFile(path: string): ManifestDoc[] {
  const text = readFileSync(path, "utf8");
  const docs: ManifestDoc[] = [];
  // YAML 1.1, as Kubernetes reads manifests: `defaultMode: 0440` is octal there, 440 in YAML 1.2.
  parseAllDocuments(text, { prettyErrors: true, version: "1.1" }).forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0].line;
      throw new Error(
        `${path}: YAML error${line ? ` at line ${line}` : ""}: ${error.message.split("\n")[0]}`,
      );
    }
    const object = doc.toJS();
    if (object === null || object === undefined) return;
    docs.push({ file: path, index, object });
  });
  return docs;
}

/** Every *.yaml / *.yml file of a directory (not recursive), by name. */
export function loadManifestDir(dir: string): ManifestDoc[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => loadManifestFile(join(dir, f)));
}

export function describeDoc(doc: ManifestDoc): string {
  const metadata = doc.object.metadata as { name?: string } | undefined;
  return `${doc.file}: ${String(doc.object.kind)}/${metadata?.name ?? "?"}`;
}
