// scripts/restore-validation.sh (the ConfigMap's script) against a real repository:
// it restores the newest backup into scratch, starts it privately and checks it; it
// refuses a stanza that has nothing to restore.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobCommand } from "../../src/local/first-run.ts";
import { PgHost } from "../../src/local/pg-host.ts";

const root = new URL("../..", import.meta.url).pathname;
const manifestsDir = join(root, "manifests");
const script = join(root, "scripts/restore-validation.sh");

let db: PgHost;
beforeAll(async () => {
  db = await PgHost.create({ manifestsDir });
  await db.initdb();
  await db.start();
  await db.run(jobCommand(manifestsDir, "pgbackrest-stanza-create-job.yaml"));
});
afterAll(async () => {
  await db?.destroy();
});

function validate(scratch: string) {
  return db.run([script, "--scratch", join(db.dir, scratch), "--timeout", "120"], {
    allowFailure: true,
  });
}

describe("restore-validation.sh", () => {
  it("runs against a PostgreSQL that runs as the postgres user, not root", async () => {
    const pid = (await db.run(["head", "-n1", join(db.pgdata, "postmaster.pid")])).stdout.trim();
    const status = await db.run(["grep", "^Uid:", `/proc/${pid}/status`]);
    const passwd = await db.run(["id", "-u", "postgres"]);
    expect(status.stdout.split(/\s+/)[1]).toBe(passwd.stdout.trim());
    expect(passwd.stdout.trim()).not.toBe("0");
  });

  it("refuses a stanza without a backup before touching anything, and says why", async () => {
    const result = await validate("scratch-empty");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("stanza mcpgov cannot be restored: no valid backups");
  }, 60_000);

  it("restores the newest backup, recovers it privately and passes its checks", async () => {
    await db.sql(
      "create table audit (id int primary key); insert into audit select generate_series(1, 100)",
    );
    await db.run(jobCommand(manifestsDir, "pgbackrest-full-backup-cronjob.yaml"));
    const result = await validate("scratch");
    expect(result.stderr).toContain("check: database postgres answers");
    expect(result.stderr).toContain("check: pg_amcheck found no corruption");
    expect(result.stderr).toMatch(/PASSED in \d+s/);
    expect(result.code).toBe(0);
    // The scratch copy is gone afterwards; production keeps running untouched.
    const left = await db.run(["ls", "-A", join(db.dir, "scratch")]);
    expect(left.stdout.split("\n")).not.toContain("pgdata");
    expect(await db.sql("select count(*) from audit")).toBe("100");
  }, 180_000);
});
