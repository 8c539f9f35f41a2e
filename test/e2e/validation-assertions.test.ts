// The weekly validation's assertions as the kustomizations ship them, against real
// PostgreSQL and pgBackRest: the base's hold whatever the application's database is called
// (here `ledger`, the only one), and the named assertions an overlay adds the documented
// way (a configMapGenerator merge of validation-assertions.tsv, examples/adopt) are run on
// top of them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { projectPath } from "../../src/core/paths.ts";
import { writeServiceFile } from "../../src/local/host.ts";
import { jobCommand } from "../../src/local/lab/first-run.ts";
import { stagedForService } from "../../src/local/lab/stage.ts";
import { MANIFESTS, pgHostForFile } from "../support/e2e-pg-host.ts";
import { kustomize } from "../support/kustomize.ts";

const script = stagedForService("scripts", "restore-validation.sh");
const fullBackup = jobCommand(MANIFESTS, "schedules/pgbackrest-full-backup-cronjob.yaml");
const e2e = pgHostForFile({ stanza: true });

interface Check {
  name: string;
  result: string;
  detail: string;
}

/** The assertions file the validation CronJob of the rendered kustomization mounts. */
function assertionsOf(kustomization: string): string {
  const config = kustomize(projectPath(kustomization)).find(
    (o: KubeObject) => o.kind === "ConfigMap" && o.metadata.name === "pgbackrest-config",
  ) as (KubeObject & { data: Record<string, string> }) | undefined;
  const assertions = config?.data["validation-assertions.tsv"];
  if (assertions === undefined) throw new Error(`${kustomization} has no validation assertions`);
  return assertions;
}

let runs = 0;
async function validateWith(assertions: string) {
  const file = join(e2e.db.dir, `assertions-${++runs}.tsv`);
  writeServiceFile(file, assertions);
  const report = join(e2e.db.dir, `report-${runs}.json`);
  const args = ["--scratch", join(e2e.db.dir, `scratch-${runs}`), "--report", report];
  const result = await e2e.db.run([script, ...args, "--assertions", file, "--timeout", "120"], {
    allowFailure: true,
  });
  const parsed = existsSync(report)
    ? (JSON.parse(readFileSync(report, "utf8")) as { status: string; checks: Check[] })
    : undefined;
  return { ...result, status: parsed?.status, checks: parsed?.checks ?? [] };
}

const named = (checks: Check[], name: string) => checks.find((c) => c.name === name);

describe("the base's validation assertions hold for any database", () => {
  it("fail a restore that holds no application data: no database of its own, no table", async () => {
    await e2e.db.run(fullBackup);
    const { code, checks } = await validateWith(assertionsOf("manifests"));
    expect(named(checks, "application data")).toMatchObject({ result: "fail" });
    expect(named(checks, "application data")?.detail).toContain(
      "no database besides postgres and the templates",
    );
    expect(code).toBe(1);
  }, 180_000);

  it("pass on an application that keeps its tables in postgres itself", async () => {
    await e2e.db.sql("create table accounts (id bigint primary key)");
    await e2e.db.run(fullBackup);
    const { code, checks } = await validateWith(assertionsOf("manifests"));
    expect(named(checks, "application data")).toEqual({
      name: "application data",
      result: "pass",
      detail: "1 table in database postgres",
    });
    expect(code).toBe(0);
    await e2e.db.sql("drop table accounts");
  }, 180_000);

  it("pass on a cluster whose only application database is `ledger`", async () => {
    await e2e.db.sql("create database ledger");
    await e2e.db.sql(
      "create table ledger (id bigint primary key); insert into ledger select generate_series(1, 100)",
      "ledger",
    );
    await e2e.db.run(fullBackup);
    const { code, status, checks, stderr } = await validateWith(assertionsOf("manifests"));
    expect(status, stderr).toBe("passed");
    expect(named(checks, "application data")).toEqual({
      name: "application data",
      result: "pass",
      detail: "database ledger",
    });
    expect(named(checks, "accepts writes")).toMatchObject({ result: "pass" });
    expect(checks.filter((c) => c.result === "fail")).toEqual([]);
    expect(code).toBe(0);
  }, 180_000);

  it("run the named assertions an overlay adds (examples/adopt) as well as the base's checks", async () => {
    const { code, checks } = await validateWith(assertionsOf("examples/adopt"));
    expect(checks.filter((c) => c.name.startsWith("assertion:"))).toEqual([
      { name: "assertion: the ledger table holds rows", result: "pass", detail: "" },
    ]);
    expect(named(checks, "application data")).toMatchObject({ result: "pass" });
    expect(code).toBe(0);
  }, 180_000);
});
