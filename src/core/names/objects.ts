// The names of the objects the product makes, finds or waits for, each defined once.
// When you add or change one, update the table in docs/architecture.md ("Names, labels
// and annotations").
//
// A name an overlay may change (the namespace, the stanza) is not here: it is read from
// the rendered manifests or the settings, and defaults.ts holds the base's default.
import type { Workload } from "./kinds.ts";

/**
 * The reference PostgreSQL (manifests/postgres-statefulset.yaml): the StatefulSet, its one
 * pod, the container that runs PostgreSQL, the data claim and the seed's pod labels. An
 * adopted PostgreSQL (examples/adopt) has names of its own.
 */
export const POSTGRES = {
  statefulSet: "postgres",
  pod: "postgres-0",
  container: "postgres",
  claim: "postgres-data",
  labels: { app: "postgres" } as Readonly<Record<string, string>>,
  /** The database that is always there, where operations run their SQL. */
  database: "postgres",
  /** The superuser psql connects as, over the pod's Unix socket. */
  user: "postgres",
  /** The postgres user's uid in the official PostgreSQL image; pgBackRest's pods run as it too. */
  uid: 999,
} as const;

/** The reference PostgreSQL's StatefulSet as a workload a restore stops: statefulset/postgres. */
export const POSTGRES_WORKLOAD: Workload = { kind: "StatefulSet", name: POSTGRES.statefulSet };

/**
 * The product's pgBackRest image as the base names it (images/pgbackrest), without its tag:
 * what an overlay's `images:` entry and the Action's `image` input replace. No other image
 * (the bot's) is it.
 */
export const PGBACKREST_IMAGE = "ghcr.io/org/mcpgov-backup-pgbackrest";

/**
 * The ConfigMap that says a deployment's stanza (its `stanza` key) and, by its namespace,
 * where the deployment lives (manifests/pgbackrest-config.yaml).
 */
export const PGBACKREST_CONFIG = {
  configMap: "pgbackrest-config",
  stanzaKey: "stanza",
  /** pgbackrest.conf, which holds each repository's retention (core/retention.ts). */
  confKey: "pgbackrest.conf",
} as const;

/**
 * The S3 component's ConfigMap (manifests/s3/pgbackrest-s3.yaml): repository 2's options
 * as PGBACKREST_REPO2_* variables, which win over pgbackrest.conf as pgBackRest's
 * environment does. Absent without the component.
 */
export const PGBACKREST_S3_CONFIG = "pgbackrest-s3";

/**
 * The admission policies' parameters for one installation (manifests/bot-target and
 * manifests/action): PodTemplates that say what the bot's and the Action's Jobs may run.
 * An administrator's, like the Namespace: deploy applies neither, and no Role may write them.
 */
export const POLICY_PARAMETERS: readonly string[] = [
  "mcpgov-backup-bot-jobs",
  "mcpgov-backup-action-jobs",
];

/** The Lease that lets one backup, validation or restore run at a time (core/lock.ts). */
export const LOCK_NAME = "mcpgov-backup-lock";

/** The ConfigMap that records one bot operation: `mcpgov-bot-op-<id>`. */
export const RECORD_PREFIX = "mcpgov-bot-op-";

export function recordName(operationId: string): string {
  return `${RECORD_PREFIX}${operationId}`;
}

/** The ConfigMap that records one plan (core/plans/record.ts): `mcpgov-backup-plan-<id>`. */
export function planRecordName(id: string): string {
  return `mcpgov-backup-plan-${id}`;
}

/**
 * The restore Jobs' templates (manifests/restore/): suspended CronJobs that never fire. A
 * restore reads its template from the cluster, so that it runs the overlay's image,
 * namespace, labels and env patches.
 */
export const RESTORE_TEMPLATES = {
  /** The newest state: every archived WAL, no target. */
  newest: "pgbackrest-restore",
  /** To a point: a time (RESTORE_TARGET) or a mark. */
  pointInTime: "pgbackrest-restore-pitr",
} as const;

/**
 * The template of the Job that reads `pgbackrest info` (manifests/restore/): a suspended
 * CronJob that never fires. Its Jobs are named `pgbackrest-info-<suffix>`.
 */
export const INFO_TEMPLATE = "pgbackrest-info";

/**
 * A clone's server's template (manifests/clone/): a suspended CronJob that never fires. A
 * clone reads it from the cluster, so that its server runs with the overlay's namespace,
 * labels and patches, and its claim, Service and policy take its labels.
 */
export const CLONE_TEMPLATE = "mcpgov-clone";

/**
 * The name ($0) of the shell a backup CronJob runs its `kubectl exec` under
 * (manifests/schedules): while another backup of the stanza holds pgBackRest's backup lock
 * (exit code BACKUP_LOCK_HELD) it tries again, for up to the seconds of its first argument.
 */
export const BACKUP_LOCK_WAIT = "wait-for-backup-lock";

/** pgBackRest's exit code when another process holds the lock it needs (LockAcquireError). */
export const BACKUP_LOCK_HELD = 50;

/**
 * The CronJob a drill restores with (manifests/s3's): the restore validation of repository 2,
 * with the read-only key, so the drill reads the off-site copy only.
 */
export const OFFSITE_VALIDATION_CRONJOB = "pgbackrest-restore-validation-s3";

/** The repository a drill restores from: the off-site one (manifests/s3), never the volume. */
export const OFFSITE_REPO = 2;

/**
 * The monitoring component's metrics Service (manifests/monitoring) and the port of the
 * Pushgateway that keeps the drill's figures: its policy admits a drill's push Job only.
 */
export const DRILL_PUSHGATEWAY = { service: "pgbackrest-metrics", port: 9093 } as const;

/** The ServiceAccount a drill's push Job runs as: the validations', which both policies allow. */
export const DRILL_PUSH_ACCOUNT = "pgbackrest-restore-validation";
