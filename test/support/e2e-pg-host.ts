// One PostgreSQL host per end-to-end test file, for the tests that run the manifests'
// configuration and commands on this machine without a cluster: initdb and start before
// the file's first test, the manifests' stanza-create Job's command when the file asks,
// and the server stopped and its directory removed after the last test, also when the
// set-up or a test failed.
import { afterAll, beforeAll } from "vitest";
import { projectPath } from "../../src/core/paths.ts";
import { jobCommand } from "../../src/local/lab/first-run.ts";
import { PgHost } from "../../src/local/lab/pg-host.ts";
import { TIMEOUT } from "./e2e-cluster.ts";

/** Where the host's configuration and commands come from: manifests/ as it is. */
export const MANIFESTS = projectPath("manifests");

export interface PgHostFile {
  /** The file's PostgreSQL host: read it inside a hook or a test, once it has started. */
  readonly db: PgHost;
}

/**
 * Registers the hooks that give this test file its PostgreSQL host, running and, with
 * `stanza`, with the stanza created. A beforeAll the file registers after it runs on the
 * started host, and an afterAll it registers runs before the host is destroyed.
 */
export function pgHostForFile(options: { stanza?: boolean } = {}): PgHostFile {
  let started: PgHost | undefined;
  beforeAll(async () => {
    started = await PgHost.create({ manifestsDir: MANIFESTS });
    await started.initdb();
    await started.start();
    if (options.stanza)
      await started.run(jobCommand(MANIFESTS, "pgbackrest-stanza-create-job.yaml"));
  }, TIMEOUT.setUp);

  afterAll(async () => {
    await started?.destroy();
  }, TIMEOUT.cleanUp);

  return {
    get db() {
      if (!started) throw new Error("the host is not started: use it inside a hook or a test");
      return started;
    },
  };
}
