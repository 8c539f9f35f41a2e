// A finding about one manifest object, shown to a person as
// "<file>: <Kind>/<name>: <path>: <message>".
export interface ManifestProblem {
  file: string;
  /** Kind/name of the object. */
  object: string;
  /** JSON path inside the object, e.g. spec.template.spec.containers[0].image. */
  path: string;
  message: string;
}

export function formatManifestProblem(p: ManifestProblem): string {
  return `${p.file}: ${p.object}: ${p.path}: ${p.message}`;
}

export function objectName(object: Record<string, unknown>): string {
  const metadata = object.metadata as { name?: string } | undefined;
  return `${String(object.kind)}/${metadata?.name ?? "?"}`;
}
