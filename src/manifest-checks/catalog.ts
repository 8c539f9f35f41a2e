// What the manifests define, for the cross-object checks: objects by kind and name, the
// keys of each ConfigMap and Secret, the pod templates with their labels, and the files a
// volume puts at its mount point.
import type { V1PodSpec, V1Volume } from "@kubernetes/client-node";
import type { KubeObject } from "../core/cluster.ts";
import { selects } from "../core/label-selector.ts";
import type { ManifestDoc } from "../core/manifests/load.ts";
import { podLabelsOf, podSpecOf } from "../core/manifests/pod.ts";
import { CLONE_TEMPLATE } from "../core/names/objects.ts";

/** Objects made per cluster rather than committed: "Kind/name" → the keys they carry. */
export type ProvidedObjects = Record<string, string[]>;

/**
 * Objects the product makes at run time that a template of the manifests names: a clone's
 * claim, made per clone (manifests/clone/mcpgov-clone-objects.yaml) and renamed with the
 * server whose template mounts it.
 */
const MADE_AT_RUN_TIME = new Set([`PersistentVolumeClaim/${CLONE_TEMPLATE}`]);

/** Reports a problem at a path of the object being checked. */
export type Found = (path: string, message: string) => void;

/** A ConfigMap's or Secret's data. */
export interface KeyedData {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Everything the manifests define, for lookups by kind and name. */
export class Catalog {
  private readonly objects = new Map<string, KubeObject>();
  private readonly provided: ProvidedObjects;
  readonly pods: { spec: V1PodSpec; labels: Record<string, string> }[] = [];

  constructor(docs: ManifestDoc[], provided: ProvidedObjects) {
    this.provided = provided;
    for (const doc of docs) {
      const object = doc.object as KubeObject;
      this.objects.set(`${object.kind}/${object.metadata?.name}`, object);
      const spec = podSpecOf(object);
      if (spec) this.pods.push({ spec, labels: podLabelsOf(object) ?? {} });
    }
  }

  get(kind: string, name: string | undefined): KubeObject | undefined {
    return this.objects.get(`${kind}/${name}`);
  }

  has(kind: string, name: string | undefined): boolean {
    const key = `${kind}/${name}`;
    return (
      this.get(kind, name) !== undefined ||
      this.provided[key] !== undefined ||
      MADE_AT_RUN_TIME.has(key)
    );
  }

  /** The keys of a ConfigMap or Secret, when known. */
  keys(kind: string, name: string | undefined): string[] | undefined {
    const provided = this.provided[`${kind}/${name}`];
    if (provided) return provided;
    const object = this.get(kind, name) as (KubeObject & KeyedData) | undefined;
    return object && [...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {})];
  }

  /**
   * Reports a missing object, or a key the object does not have. An optional reference
   * (`optional: true`) may name an object that is absent; when it is there, its keys count.
   */
  need(
    found: Found,
    path: string,
    kind: string,
    name: string | undefined,
    keys: string[] = [],
    optional = false,
  ): void {
    if (!this.has(kind, name)) {
      if (optional) return;
      found(path, `${kind} "${name}" is not defined in the manifests or provided per cluster`);
      return;
    }
    const known = this.keys(kind, name);
    for (const key of keys)
      if (known && !known.includes(key)) found(path, `${kind} "${name}" has no key "${key}"`);
  }

  podsSelectedBy(selector: Record<string, string> | undefined): V1PodSpec[] {
    return this.pods.filter((p) => selects({ matchLabels: selector }, p.labels)).map((p) => p.spec);
  }
}

/** Whether a path lies at or below a mount point. */
export function under(path: string, mountPath: string): boolean {
  return path === mountPath || path.startsWith(`${mountPath.replace(/\/$/, "")}/`);
}

/** Files a volume puts at its mount point: its items' paths, or every key without items. */
export function volumeFiles(volume: V1Volume, catalog: Catalog): string[] {
  const source = (kind: string, name: string | undefined, items?: { path: string }[]) =>
    items ? items.map((i) => i.path) : (catalog.keys(kind, name) ?? []);
  if (volume.configMap) return source("ConfigMap", volume.configMap.name, volume.configMap.items);
  if (volume.secret) return source("Secret", volume.secret.secretName, volume.secret.items);
  return (volume.projected?.sources ?? []).flatMap((s) => [
    ...(s.configMap ? source("ConfigMap", s.configMap.name, s.configMap.items) : []),
    ...(s.secret ? source("Secret", s.secret.name, s.secret.items) : []),
  ]);
}
