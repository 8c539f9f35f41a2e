// The WAL alerts in a real Prometheus, on the product's own figures: PostgreSQL whose
// archive_command fails (the stanza was never created), `pgbackrest-metrics.sh --wal`
// writing every second for node_exporter's textfile collector as on a VM, Prometheus
// evaluating monitoring/pgbackrest-alerts.rules.yml (the file a VM loads). No
// postgres_exporter. Before any WAL is switched nothing fires; after,
// PgBackRestWALArchivingFailing, PgBackRestWALArchivingLagging and PgBackRestRPOTooHigh do,
// and the RPO is above 0 and rising; restarted with archive_mode off,
// PgBackRestWALArchivingDisabled fires and no RPO is exported. The rules run as written but without their `for:`
// (minutes of waiting that promtool's unit tests cover); the RPO target is 2 s instead of
// 15 minutes, set as an overlay sets it (METRICS_RPO_TARGET_SECONDS).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectPath } from "../../src/core/paths.ts";
import { freePort, makeServiceSubdir } from "../../src/local/host.ts";
import { stagedForService } from "../../src/local/lab/stage.ts";
import { Daemons, until } from "../support/daemons.ts";
import { TIMEOUT } from "../support/e2e-cluster.ts";
import { pgHostForFile } from "../support/e2e-pg-host.ts";
import { parseMetrics } from "../support/metrics.ts";

const e2e = pgHostForFile();
const daemons = new Daemons();
let exporterPort: number;
let prometheusPort: number;

interface Alert {
  labels: Record<string, string>;
  state: "pending" | "firing";
}

/**
 * The alerts firing, less PgBackRestMetricsAbsent: pgBackRest's own figures (the default
 * mode) are not written here (test/e2e/metrics.test.ts covers them), so absent() is rightly true.
 */
async function firing(): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/alerts`);
  const body = (await response.json()) as { data: { alerts: Alert[] } };
  return body.data.alerts
    .filter((a) => a.state === "firing" && a.labels.alertname !== "PgBackRestMetricsAbsent")
    .map((a) => a.labels.alertname ?? "")
    .sort();
}

/** One PromQL query's first value, undefined when it has none. */
async function query(promql: string): Promise<number | undefined> {
  const url = `http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const body = (await (await fetch(url)).json()) as {
    data: { result: { value: [number, string] }[] };
  };
  const value = body.data.result[0]?.value[1];
  return value === undefined ? undefined : Number(value);
}

// The manifests' archive_command; no stanza-create, so every archive-push fails.
beforeAll(async () => {
  const textfiles = join(e2e.db.dir, "textfile");
  makeServiceSubdir(textfiles);
  daemons.start(
    [
      stagedForService("scripts", "pgbackrest-metrics.sh"),
      "--wal",
      "--stanza",
      "mcpgov",
      "--textfile",
      join(textfiles, "wal.prom"),
      "--interval",
      "1",
    ],
    {
      PGHOST: e2e.db.socketDir,
      PGPORT: String(e2e.db.port),
      PGUSER: "postgres",
      METRICS_RPO_TARGET_SECONDS: "2",
    },
  );
  exporterPort = await freePort();
  daemons.start([
    "prometheus-node-exporter",
    `--web.listen-address=127.0.0.1:${exporterPort}`,
    "--collector.disable-defaults",
    "--collector.textfile",
    `--collector.textfile.directory=${textfiles}`,
  ]);

  const dir = join(e2e.db.dir, "prometheus");
  makeServiceSubdir(dir);
  // The rules as written, less their `for:`.
  const rules = readFileSync(projectPath("monitoring", "pgbackrest-alerts.rules.yml"), "utf8");
  writeFileSync(join(dir, "rules.yml"), rules.replace(/^\s+for: .*\n/gm, ""));
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global: {scrape_interval: 1s, evaluation_interval: 1s}",
      "rule_files: [rules.yml]",
      "scrape_configs:",
      `  - {job_name: node, static_configs: [{targets: ["127.0.0.1:${exporterPort}"]}]}`,
      "",
    ].join("\n"),
  );
  prometheusPort = await freePort();
  daemons.start([
    "prometheus",
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${prometheusPort}`,
  ]);
}, TIMEOUT.setUp);

afterAll(() => daemons.stopAll());

describe("the WAL alerts on a real PostgreSQL, the product's WAL figures and Prometheus", () => {
  it("node_exporter serves the WAL figures pgbackrest-metrics.sh --wal writes", async () => {
    const text = await until("the WAL figures served", async () => {
      const body = await (await fetch(`http://127.0.0.1:${exporterPort}/metrics`)).text();
      return body.includes("mcpgov_backup_wal_success") ? body : undefined;
    });
    const names = new Set(parseMetrics(text).map((s) => s.name));
    for (const name of [
      "mcpgov_backup_rpo_seconds",
      "mcpgov_backup_rpo_target_seconds",
      "mcpgov_backup_wal_ready_segments",
      "mcpgov_backup_wal_archived_total",
      "mcpgov_backup_wal_archive_failed_total",
      "mcpgov_backup_wal_timestamp_seconds",
    ]) {
      expect(names).toContain(name);
    }
  }, 60_000);

  it("fires nothing while no WAL waits: the RPO is 0", async () => {
    await until("two scrapes", async () =>
      ((await query("count_over_time(mcpgov_backup_rpo_seconds[1m])")) ?? 0) >= 2
        ? true
        : undefined,
    );
    expect(await query("mcpgov_backup_rpo_seconds")).toBe(0);
    expect(await firing()).toEqual([]);
  }, 60_000);

  it("fires WALArchivingFailing, WALArchivingLagging and RPOTooHigh once segments pile up unarchived, the RPO rising", async () => {
    for (let i = 0; i < 12; i++) {
      await e2e.db.sql(`create table filler_${i} as select g from generate_series(1, 1000) g`);
      await e2e.db.sql("select pg_switch_wal()");
    }
    expect(Number(await e2e.db.sql("select failed_count from pg_stat_archiver"))).toBeGreaterThan(
      0,
    );
    const alerts = await until("the three WAL alerts firing", async () => {
      const names = await firing();
      return [
        "PgBackRestWALArchivingFailing",
        "PgBackRestWALArchivingLagging",
        "PgBackRestRPOTooHigh",
      ].every((n) => names.includes(n))
        ? names
        : undefined;
    });
    expect(alerts).toEqual([
      "PgBackRestRPOTooHigh",
      "PgBackRestWALArchivingFailing",
      "PgBackRestWALArchivingLagging",
    ]);
    const first = (await query("mcpgov_backup_rpo_seconds")) ?? 0;
    expect(first).toBeGreaterThan(0);
    const later = await until("the RPO rising", async () => {
      const rpo = (await query("mcpgov_backup_rpo_seconds")) ?? 0;
      return rpo > first ? rpo : undefined;
    });
    expect(later).toBeGreaterThan(first);
  }, 120_000);

  it("with archive_mode off, fires WALArchivingDisabled and exports no RPO rather than a reassuring 0", async () => {
    await e2e.db.stop();
    await e2e.db.start({ archive_mode: "off" });
    const alerts = await until("WALArchivingDisabled firing", async () => {
      const names = await firing();
      return names.includes("PgBackRestWALArchivingDisabled") ? names : undefined;
    });
    expect(alerts).toContain("PgBackRestWALArchivingDisabled");
    expect(await query("mcpgov_backup_wal_archiving_enabled")).toBe(0);
    expect(await query("mcpgov_backup_rpo_seconds")).toBe(undefined);
    expect(await firing()).not.toContain("PgBackRestRPOTooHigh");
  }, 120_000);
});
