// Reading Kubernetes manifests: multi-document YAML files, one object per document.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  type DocumentOptions,
  type ParseOptions,
  parseAllDocuments,
  type SchemaOptions,
} from "yaml";

export interface ManifestDoc {
  /** The path as given to loadManifestFile. */
  file: string;
  /** Position of the document in its file, from 0, empty documents included. */
  index: number;
  object: Record<string, unknown>;
}

// YAML 1.1, as Kubernetes reads manifests: `defaultMode: 0440` is octal there, 440 in YAML 1.2.
// Kubernetes keeps timestamps and base-60 numbers (`2024-01-01`, `1:20`) as strings, so
// those tags of the YAML 1.1 schema are left out.
const yamlOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  customTags: (tags) =>
    tags.filter(
      (t) =>
        typeof t === "string" || (t.format !== "TIME" && t.tag !== "tag:yaml.org,2002:timestamp"),
    ),
};

export function loadManifestFile(path: string): ManifestDoc[] {
  const text = readFileSync(path, "utf8");
  const line = (offset: number) => text.slice(0, offset).split("\n").length;
  const docs: ManifestDoc[] = [];
  parseAllDocuments(text, yamlOptions).forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      // The message's first line ends with its own " at line L, column C:".
      const message = error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:$/, "");
      throw new Error(`${path}: YAML error at line ${line(error.pos[0])}: ${message}`);
    }
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) return;
    if (typeof object !== "object" || Array.isArray(object)) {
      const at = doc.contents?.range[0] ?? doc.range[0];
      throw new Error(`${path}: the document at line ${line(at)} is not a mapping of fields`);
    }
    docs.push({ file: path, index, object: object as Record<string, unknown> });
  });
  return docs;
}

/** Every *.yaml / *.yml file of a directory (not recursive), by name. */
export function loadManifestDir(dir: string): ManifestDoc[] {
  return (
    readdirSync(dir)
      // kustomization.yaml is kustomize's, not an object for the API server.
      .filter(
        (f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml" && statSync(join(dir, f)).isFile(),
      )
      .sort()
      .flatMap((f) => loadManifestFile(join(dir, f)))
  );
}
