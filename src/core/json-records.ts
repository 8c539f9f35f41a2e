// Records kept in the cluster as JSON, one ConfigMap each, in a namespace of the face's
// own (never the product's): created once (a repeated request finds its record), changed
// either as a whole or only from the version read, and pruned when old. The bot's command
// records and the plans (core/plans/record.ts) are kept this way.
import { type Cluster, createIfAbsent, type KubeObject } from "./cluster.ts";

/** A record as read, with the version a conditional change must hold to. */
export interface Versioned<T> {
  value: T;
  resourceVersion: string;
}

export interface JsonRecordsShape {
  cluster: Cluster;
  /** Where the records live: a namespace of the face's own. */
  namespace: string;
  /** The ConfigMap that holds the record of an id. */
  name: (id: string) => string;
  /** The labels every record carries, and what prune lists by. */
  labels: Record<string, string>;
  /** The data key the JSON is under. */
  key: string;
}

const DAY_MS = 86_400_000;

export class JsonRecords<T> {
  private readonly shape: JsonRecordsShape;

  constructor(shape: JsonRecordsShape) {
    this.shape = shape;
  }

  private get cluster(): Cluster {
    return this.shape.cluster;
  }

  private get namespace(): string {
    return this.shape.namespace;
  }

  private object(id: string, value: T, resourceVersion?: string): KubeObject {
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: this.shape.name(id),
        namespace: this.namespace,
        labels: this.shape.labels,
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      data: { [this.shape.key]: JSON.stringify(value) },
    };
  }

  /** Records a new one; false when a record of that id was there already. */
  create(id: string, value: T): Promise<boolean> {
    return createIfAbsent(this.cluster, this.object(id, value));
  }

  /** The record as stored (not checked: the caller knows its shape), or undefined. */
  async read(id: string): Promise<Versioned<unknown> | undefined> {
    const object = await this.cluster.get("ConfigMap", this.namespace, this.shape.name(id));
    const json = (object?.data as Record<string, string> | undefined)?.[this.shape.key];
    if (!object || !json) return undefined;
    return { value: JSON.parse(json), resourceVersion: object.metadata.resourceVersion ?? "" };
  }

  /** Writes the record whatever is there (server-side apply). */
  async put(id: string, value: T): Promise<void> {
    await this.cluster.apply([this.object(id, value)]);
  }

  /** Writes it only if nobody changed it since it was read (ConflictError); its new version. */
  async update(id: string, stored: Versioned<T>): Promise<string> {
    const written = await this.cluster.update(
      this.object(id, stored.value, stored.resourceVersion),
    );
    return written.metadata.resourceVersion ?? "";
  }

  /**
   * Removes the records made more than `keepDays` ago that `keep` does not hold on to;
   * returns how many went. A record that cannot be read is old news if its object is old.
   */
  async prune(keepDays: number, keep: (value: Partial<T>) => boolean, now = Date.now()) {
    const objects = await this.cluster.list("ConfigMap", this.namespace, this.shape.labels);
    let removed = 0;
    for (const object of objects) {
      let value: Partial<T> & { createdAt?: string } = {};
      try {
        value = JSON.parse((object.data as Record<string, string>)?.[this.shape.key] ?? "{}");
      } catch {
        // Unreadable: only its object's age counts.
      }
      const created = Date.parse(value.createdAt ?? object.metadata.creationTimestamp ?? "");
      if (keep(value) || !(now - created > keepDays * DAY_MS)) continue;
      await this.cluster.delete("ConfigMap", this.namespace, object.metadata.name);
      removed++;
    }
    return removed;
  }
}
