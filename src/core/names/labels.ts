// Every label and annotation the product writes or selects by, each defined once; its own
// keys are built from one prefix. When you add or change one, update the table in
// docs/architecture.md ("Names, labels and annotations").

/** The prefix of the product's own label and annotation keys. */
export const PREFIX = "mcpgov-backup";

/** The product's name as `app.kubernetes.io/part-of` carries it. */
export const PRODUCT = "mcpgov-backup";

/** Kubernetes' recommended labels the product sets and selects by. */
export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const PART_OF_LABEL = "app.kubernetes.io/part-of";
export const NAME_LABEL = "app.kubernetes.io/name";

/** `app.kubernetes.io/component` values the code selects by or sets (the manifests set the rest). */
export const COMPONENT = {
  /** The repository host's pod. */
  repoHost: "repo-host",
  /** The weekly validation's Jobs, and what status reads of them. */
  restoreValidation: "restore-validation",
  /** A restore Job's pod (production's or a clone's). */
  restore: "restore",
  /** A clone's objects. */
  clone: "clone",
  /** The Jobs that read `pgbackrest info` (core/repository.ts). */
  info: "info",
  /** The Lease. */
  lock: "lock",
  /** The bot's records. */
  botOperation: "bot-operation",
  /** A drill's restore Job (core/drill-objects.ts). */
  drill: "drill",
  /**
   * A drill's push Job (core/drill-push.ts): the one pod production's Pushgateway admits
   * from a drill namespace, on the drill's port (manifests/monitoring's policy).
   */
  drillMetrics: "drill-metrics",
  /** A plan's record (core/plans/record.ts). */
  plan: "plan",
} as const;

/** The seed's label on every pod and Job of pgBackRest's (`app: pgbackrest`): Jobs still running are found by it. */
export const PGBACKREST_LABELS: Readonly<Record<string, string>> = { app: "pgbackrest" };

/** The labels every object the product makes at run time carries, besides its component. */
export function productLabels(component: string): Record<string, string> {
  return { [PART_OF_LABEL]: PRODUCT, [COMPONENT_LABEL]: component };
}

/**
 * Label: the disaster-recovery drill an object belongs to (its id), in the drill's own
 * namespace; with EXPIRES_ANNOTATION, what the next drill removes if this one could not.
 */
export const DRILL_LABEL = `${PREFIX}/drill`;

/** Label: the clone an object belongs to (its id). */
export const CLONE_LABEL = `${PREFIX}/clone`;
/** Label: a pod that may connect to clones (manifests/clone/mcpgov-clone-client.yaml). */
export const CLONE_ACCESS_LABEL = `${PREFIX}/clone-access`;

/** Annotation: when a clone or a drill's object expires (ISO-8601 UTC). */
export const EXPIRES_ANNOTATION = `${PREFIX}/expires-at`;
/** Annotation: the point a clone was restored to. */
export const POINT_ANNOTATION = `${PREFIX}/point`;
/** Annotation on a chart's StatefulSet: the one manifests/adopt adds backups to. */
export const ADOPT_ANNOTATION = `${PREFIX}/adopt`;

/** Annotation: who asked (a GitHub login), on every Job and the lock. */
export const REQUESTED_BY_ANNOTATION = `${PREFIX}/requested-by`;
/**
 * Keys that said who asked before `requested-by`: the Action's `actor` on Jobs, the lock's
 * `requester`. Objects of a running cluster may still carry them; readers fall back to them.
 */
export const FORMER_REQUESTED_BY_ANNOTATIONS = [`${PREFIX}/requester`, `${PREFIX}/actor`] as const;

/** Who asked for an object, read from the current key or a former one; undefined when none says. */
export function requestedBy(annotations: Record<string, string> | undefined): string | undefined {
  for (const key of [REQUESTED_BY_ANNOTATION, ...FORMER_REQUESTED_BY_ANNOTATIONS]) {
    const value = annotations?.[key];
    if (value) return value;
  }
  return undefined;
}

/** Annotation: the comment that asked for a bot's Job. */
export const REQUEST_URL_ANNOTATION = `${PREFIX}/request-url`;
/** Annotation: the GitHub webhook delivery that asked for a bot's Job. */
export const DELIVERY_ID_ANNOTATION = `${PREFIX}/delivery-id`;
/** Annotation: the bot operation a Job or the lock belongs to. */
export const OPERATION_ANNOTATION = `${PREFIX}/operation`;
/**
 * Annotation on the lock: what its holder's interruption leaves, `release` or `keep`
 * (core/lock.ts); a stale lock is released or kept for a person by it.
 */
export const IF_INTERRUPTED_ANNOTATION = `${PREFIX}/if-interrupted`;
/** Annotation: the command the lock's holder runs. */
export const COMMAND_ANNOTATION = `${PREFIX}/command`;
/** Annotation: the Action run that made a Job. */
export const RUN_URL_ANNOTATION = `${PREFIX}/run-url`;
/** Annotation: the commit the Action ran at. */
export const COMMIT_ANNOTATION = `${PREFIX}/commit`;
