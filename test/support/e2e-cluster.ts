// The local cluster runner as an end-to-end test file stands on it: one cluster per file,
// started before the file's first test (after removing what crashed runners left), with
// manifests/ deployed by the core's deploy when the file asks, a scratch directory of the
// file's own, and everything removed after the last test, also when the set-up or a test
// failed: .ci/run fails a run that leaves a directory, a network namespace or a process.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type DatabaseTarget, MCPGOV_DATABASE, psql } from "../../src/core/database.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { deployForBackups } from "../../src/local/deploy.ts";
import { LocalCluster, type LocalClusterOptions } from "../../src/local/runner/local-cluster.ts";
import { requireComplete, runCronJob } from "./jobs.ts";

/** How long each part of an end-to-end file may take: real PostgreSQL on two shared cores. */
export const TIMEOUT = {
  /** Starting the cluster and deploying the manifests, or a file's own set-up after it. */
  setUp: 900_000,
  /** One Job from its creation to its end: a backup, a validation, a restore, a clone. */
  job: 300_000,
  /** A test that runs several Jobs one after another. */
  test: 900_000,
  /** Stopping every pod and removing what the cluster made. */
  cleanUp: 60_000,
} as const;

export interface ClusterFileOptions extends LocalClusterOptions {
  /** Deploy manifests/ as it is, in the base's namespace, before the file's own set-up. */
  deploy?: boolean;
}

export interface ClusterFile {
  /** The file's cluster: read it inside a hook or a test, once the cluster has started. */
  readonly cluster: LocalCluster;
  /** A directory of the file's own (root's, mode 0700), removed with the cluster. */
  readonly scratch: string;
  /** A query as the postgres user, in production's mcpgov database unless told otherwise. */
  sql(query: string, target?: DatabaseTarget): Promise<string>;
  /** A full backup from the base's CronJob, as a Job named `job`; throws unless it completes. */
  fullBackup(job?: string): Promise<void>;
}

/**
 * Registers the hooks that give this test file its cluster. Call it once, at the top of
 * the file: a beforeAll the file registers after it runs on the started cluster, and an
 * afterAll it registers runs before the cluster is shut down.
 */
export function localClusterForFile(options: ClusterFileOptions = {}): ClusterFile {
  let started: LocalCluster | undefined;
  let scratch: string | undefined;
  const file: ClusterFile = {
    get cluster() {
      if (!started) throw new Error("the cluster is not started: use it inside a hook or a test");
      return started;
    },
    get scratch() {
      if (!scratch) throw new Error("the scratch directory is made before the first test");
      return scratch;
    },
    sql: (query, target = MCPGOV_DATABASE) => psql(file.cluster, query, target),
    async fullBackup(job = "full-1") {
      const namespace = DEFAULT_SETTINGS.namespace;
      const run = await runCronJob(
        file.cluster,
        namespace,
        "pgbackrest-full-backup",
        job,
        TIMEOUT.job,
      );
      requireComplete("the full backup", run);
    },
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "mcpgov-backup-e2e-"));
    started = await LocalCluster.start(options);
    if (options.deploy) await deployForBackups(started, TIMEOUT.job);
  }, TIMEOUT.setUp);

  afterAll(async () => {
    try {
      await started?.shutdown();
    } finally {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  }, TIMEOUT.cleanUp);

  return file;
}

/** Waits past the current second: pgBackRest's backup stop times and restore targets are whole seconds. */
export function nextSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1100));
}
