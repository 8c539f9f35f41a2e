// Two backups of one stanza started together, as two CronJobs firing at the same minute do
// (an overlay's full backup moved onto a differential's hour, a manual backup during a
// scheduled one): pgBackRest lets one hold the stanza's backup lock and fails the other at
// once (error 50). The CronJobs' command waits for the lock instead; here both commands,
// as the base's CronJobs hold them, run on real pgBackRest at the same moment and both
// back up.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import {
  containerArgv,
  containersOf,
  parseKubectlExec,
  podSpecOf,
} from "../../src/core/manifests/pod.ts";
import { findStanza, parseInfo } from "../../src/core/pgbackrest/info.ts";
import { TIMEOUT } from "../support/e2e-cluster.ts";
import { MANIFESTS, pgHostForFile } from "../support/e2e-pg-host.ts";

const host = pgHostForFile({ stanza: true });

/**
 * What a backup CronJob's container runs, with its `kubectl exec` on the repository host
 * replaced by the command it execs there: what wraps the exec runs as it is.
 */
function onThisHost(file: string): string[] {
  const [doc] = loadManifestFile(`${MANIFESTS}/schedules/${file}`);
  const spec = podSpecOf(doc?.object as KubeObject);
  const container = spec && containersOf(spec)[0];
  if (!container) throw new Error(`${file}: no container`);
  const argv = containerArgv(container);
  const exec = argv.indexOf("kubectl");
  return [...argv.slice(0, exec), ...parseKubectlExec(argv.slice(exec)).command];
}

describe("two backups of one stanza started together", () => {
  it(
    "both succeed: the second waits for the first's lock",
    async () => {
      const { db } = host;
      await db.sql("create table payments as select g as id from generate_series(1, 50000) g");
      const [full, diff] = await Promise.all([
        db.run(onThisHost("pgbackrest-full-backup-cronjob.yaml"), { allowFailure: true }),
        db.run(onThisHost("pgbackrest-diff-backup-cronjob.yaml"), { allowFailure: true }),
      ]);
      expect({
        full: full.code,
        diff: diff.code,
        said: `${full.stderr}${diff.stderr}`,
      }).toMatchObject({ full: 0, diff: 0 });
      const { stdout } = await db.run(["pgbackrest", "--output=json", "info"]);
      const stanza = findStanza(parseInfo(stdout), db.env.PGBACKREST_STANZA ?? "");
      expect(stanza?.backup).toHaveLength(2);
    },
    TIMEOUT.test,
  );
});
