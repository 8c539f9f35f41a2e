// The files in manifests/ and the order they are applied in: the seed README's order,
// with what a working deployment also needs placed before its first use.

/** The seed README's files, in the order it applies them. */
export const SEED_FILES = [
  "postgres-secret.yaml",
  "postgres-config.yaml",
  "pgbackrest-pvc.yaml",
  "pgbackrest-config.yaml",
  "pgbackrest-stanza-create-job.yaml",
  "schedules/pgbackrest-full-backup-cronjob.yaml",
  "schedules/pgbackrest-diff-backup-cronjob.yaml",
  "schedules/pgbackrest-restore-validation-cronjob.yaml",
] as const;

/** Made per cluster from a committed template or a script, never committed themselves. */
export const USER_PROVIDED_FILES = {
  "postgres-secret.yaml":
    "cp manifests/postgres-secret.yaml.example manifests/postgres-secret.yaml and set the password",
  "pgbackrest-tls-secrets.yaml": "scripts/make-tls-secrets.sh",
} as const;

/** Every manifest, in apply order. */
export const APPLY_ORDER = [
  "namespace.yaml",
  "postgres-secret.yaml",
  "postgres-config.yaml",
  "pgbackrest-tls-secrets.yaml",
  "pgbackrest-rbac.yaml",
  "pgbackrest-networkpolicy.yaml",
  "postgres-data-pvc.yaml",
  "pgbackrest-pvc.yaml",
  "pgbackrest-config.yaml",
  "pgbackrest-repo-host-service.yaml",
  "pgbackrest-repo-host-statefulset.yaml",
  "postgres-service.yaml",
  "postgres-networkpolicy.yaml",
  "postgres-statefulset.yaml",
  "pgbackrest-stanza-create-job.yaml",
  "schedules/pgbackrest-full-backup-cronjob.yaml",
  "schedules/pgbackrest-diff-backup-cronjob.yaml",
  "schedules/pgbackrest-restore-validation-cronjob.yaml",
  // The restore Jobs' templates: suspended, they never fire; a restore makes its Job of one.
  "restore/pgbackrest-restore-cronjob.yaml",
  "restore/pgbackrest-restore-pitr-cronjob.yaml",
  // pgbackrest info's template: the bot and the Action read the repositories in its Jobs.
  "restore/pgbackrest-info-cronjob.yaml",
  // A clone's server's template: suspended too; a clone makes its server of it.
  "clone/mcpgov-clone-cronjob.yaml",
] as const;

/**
 * The files of manifests/clone/ that are not applied: a clone's claim, Service and policy,
 * made per clone with its server template's labels, and a person's psql pod.
 */
export const CLONE_FILES = [
  "clone/mcpgov-clone-objects.yaml",
  "clone/mcpgov-clone-client.yaml",
] as const;
