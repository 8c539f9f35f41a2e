// The objects the local runner has been given, keyed by kind, namespace and name, as the
// API server would keep them (a namespace filled in, a creation time and a uid set).
import { randomUUID } from "node:crypto";
import type { KubeObject } from "../../core/cluster.ts";

function key(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  /** Every write gives the object a new resourceVersion, as etcd's revision does. */
  private revision = 0;

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(key(kind, namespace, name));
  }

  has(kind: string, namespace: string, name: string): boolean {
    return this.objects.has(key(kind, namespace, name));
  }

  /** Keeps a copy of the object, as stored: its namespace and creation time filled in. */
  put(object: KubeObject): KubeObject {
    const namespace = object.metadata.namespace ?? "default";
    const before = this.get(object.kind, namespace, object.metadata.name);
    const stored: KubeObject = {
      ...structuredClone(object),
      metadata: {
        ...structuredClone(object.metadata),
        namespace,
        // Its own name for good, by which an owner is named (ownerReferences).
        uid: before?.metadata.uid ?? object.metadata.uid ?? randomUUID(),
        creationTimestamp: new Date().toISOString(),
        resourceVersion: String(++this.revision),
      },
    };
    this.objects.set(key(object.kind, namespace, object.metadata.name), stored);
    return stored;
  }

  /** Replaces a stored object as it is (a controller's change, such as a new replica count). */
  replace(object: KubeObject): void {
    const namespace = object.metadata.namespace ?? "default";
    const resourceVersion = String(++this.revision);
    this.objects.set(key(object.kind, namespace, object.metadata.name), {
      ...object,
      metadata: { ...object.metadata, resourceVersion },
    });
  }

  delete(kind: string, namespace: string, name: string): void {
    this.objects.delete(key(kind, namespace, name));
  }

  all(): KubeObject[] {
    return [...this.objects.values()];
  }

  /** The objects of a kind, in one namespace or in all. */
  ofKind(kind: string, namespace?: string): KubeObject[] {
    return this.all().filter(
      (o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace),
    );
  }

  /**
   * A Namespace's labels, for namespaceSelectors, with kubernetes.io/metadata.name as
   * Kubernetes sets it on every namespace, applied or not.
   */
  namespaceLabels(name: string): Record<string, string> {
    const labels = (this.get("Namespace", "default", name)?.metadata.labels ?? {}) as Record<
      string,
      string
    >;
    return { ...labels, "kubernetes.io/metadata.name": name };
  }
}
