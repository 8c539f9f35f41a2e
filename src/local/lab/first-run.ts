// The first real run: PostgreSQL 15 and pgBackRest configured from manifests/, driven by
// the same command lines as the stanza-create Job and the backup CronJobs, then a restore
// of the full backup into a second data directory that must hold exactly the rows that
// were committed before that backup.
import { join } from "node:path";
import type { KubeObject } from "../../core/cluster.ts";
import { loadManifestFile } from "../../core/manifests/load.ts";
import {
  containerArgv,
  containersOf,
  parseKubectlExec,
  podSpecOf,
} from "../../core/manifests/pod.ts";
import { findStanza, parseInfo, type StanzaInfo } from "../../core/pgbackrest/info.ts";
import { type Step, Steps } from "../steps.ts";
import { PgHost } from "./pg-host.ts";

export interface FirstRunResult {
  steps: Step[];
  stanza: StanzaInfo;
  rowsBeforeFull: number;
  rowsRestored: number;
}

export interface FirstRunOptions {
  manifestsDir: string;
  /** Progress lines for a person watching. */
  log?: (line: string) => void;
  /** Keep the hosts' directories afterwards (their paths are logged). */
  keep?: boolean;
  /** Stops the run before its next step; what it made is still cleaned up. */
  signal?: AbortSignal;
}

/** The pgBackRest command a Job or CronJob runs on the repository host. */
export function commandOf(object: KubeObject): string[] {
  const spec = podSpecOf(object);
  const container = spec && containersOf(spec)[0];
  if (!container)
    throw new Error(`${object.kind}/${object.metadata.name}: no pod template with a container`);
  return parseKubectlExec(containerArgv(container)).command;
}

/** The pgBackRest command of the Job or CronJob in a file of manifests/. */
export function jobCommand(manifestsDir: string, file: string): string[] {
  const [doc] = loadManifestFile(join(manifestsDir, file));
  if (!doc) throw new Error(`${file}: no object`);
  return commandOf(doc.object as KubeObject);
}

export async function firstRun(options: FirstRunOptions): Promise<FirstRunResult> {
  const log = options.log ?? (() => {});
  const steps = new Steps(log, options.signal);
  const step = <T>(name: string, work: () => Promise<T>) => steps.run(name, work);

  const commands = {
    stanzaCreate: jobCommand(options.manifestsDir, "pgbackrest-stanza-create-job.yaml"),
    full: jobCommand(options.manifestsDir, "schedules/pgbackrest-full-backup-cronjob.yaml"),
    diff: jobCommand(options.manifestsDir, "schedules/pgbackrest-diff-backup-cronjob.yaml"),
  };
  const db = await PgHost.create({ manifestsDir: options.manifestsDir });
  let restored: PgHost | undefined;
  try {
    await step("initialise PostgreSQL and start it with postgres-config.yaml", async () => {
      await db.initdb();
      await db.start();
    });
    await step(`stanza-create Job: ${commands.stanzaCreate.join(" ")}`, () =>
      db.run(commands.stanzaCreate),
    );
    const rowsBeforeFull = 1000;
    await step(`write ${rowsBeforeFull} ledger rows`, () =>
      db.sql(
        `create table ledger (id bigint primary key, note text not null, committed_at timestamptz not null default clock_timestamp());
         insert into ledger (id, note) select n, 'before full ' || n from generate_series(1, ${rowsBeforeFull}) n;`,
      ),
    );
    await step(`full backup CronJob: ${commands.full.join(" ")}`, () => db.run(commands.full));
    await step("write 500 more rows after the full backup", () =>
      db.sql(
        "insert into ledger (id, note) select n, 'after full ' || n from generate_series(1001, 1500) n",
      ),
    );
    await step(`diff backup CronJob: ${commands.diff.join(" ")}`, () => db.run(commands.diff));
    // The stanza as the containers read it: pgbackrest-config's `stanza`, which PgHost sets.
    const name = db.env.PGBACKREST_STANZA ?? "";
    const info = ["pgbackrest", `--stanza=${name}`, "info", "--output=json"];
    const stanza = await step(info.join(" "), async () => {
      const { stdout } = await db.run(info);
      return findStanza(parseInfo(stdout), name);
    });
    const full = stanza.backup.find((b) => b.type === "full");
    if (!full) throw new Error("pgbackrest info lists no full backup after the full backup ran");

    restored = await PgHost.create({ manifestsDir: options.manifestsDir, repoPath: db.repoPath });
    const target = restored;
    await step(`restore full backup ${full.label} into a second data directory`, () =>
      target.run([
        "pgbackrest",
        "--stanza=mcpgov",
        `--set=${full.label}`,
        "--type=immediate",
        "--target-action=promote",
        // The copy must never push WAL into the repository it came from.
        "--archive-mode=off",
        "restore",
      ]),
    );
    const rowsRestored = await step(
      "start the restored copy and read the ledger back",
      async () => {
        await target.start({ archive_mode: "off" });
        return Number(await target.sql("select count(*) from ledger"));
      },
    );
    return { steps: steps.done, stanza, rowsBeforeFull, rowsRestored };
  } finally {
    for (const host of [restored, db]) {
      if (!host) continue;
      if (options.keep) {
        await host.stop();
        log(`kept ${host.dir}`);
      } else {
        await host.destroy();
      }
    }
  }
}
