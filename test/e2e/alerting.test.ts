// The archiving alerts in a real Prometheus: PostgreSQL whose archive_command fails (the
// stanza was never created), Debian's postgres_exporter scraping it with the product's
// custom query, Prometheus evaluating monitoring/pgbackrest-alerts.rules.yml. Before any
// WAL is switched nothing fires; after, PgBackRestWALArchivingFailing and
// PgBackRestWALArchivingLagging do. The rules run as written but without their `for:`
// (minutes of waiting that promtool's unit tests cover).
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
 * The alerts firing, less PgBackRestMetricsAbsent: the product's own metrics are not
 * scraped here (test/e2e/metrics.test.ts covers them), so absent() is rightly true.
 */
async function firing(): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/alerts`);
  const body = (await response.json()) as { data: { alerts: Alert[] } };
  return body.data.alerts
    .filter((a) => a.state === "firing" && a.labels.alertname !== "PgBackRestMetricsAbsent")
    .map((a) => a.labels.alertname ?? "")
    .sort();
}

async function scrapes(): Promise<number> {
  const response = await fetch(
    `http://127.0.0.1:${prometheusPort}/api/v1/query?query=count_over_time(pg_stat_archiver_failed_count[1m])`,
  );
  const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

// The manifests' archive_command; no stanza-create, so every archive-push fails.
beforeAll(async () => {
  exporterPort = await freePort();
  daemons.start(
    [
      "prometheus-postgres-exporter",
      `--web.listen-address=127.0.0.1:${exporterPort}`,
      `--extend.query-path=${stagedForService("monitoring", "postgres-exporter-queries.yaml")}`,
    ],
    {
      DATA_SOURCE_NAME: `host=${e2e.db.socketDir} port=${e2e.db.port} user=postgres dbname=postgres sslmode=disable`,
    },
  );

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
      `  - {job_name: postgres, static_configs: [{targets: ["127.0.0.1:${exporterPort}"]}]}`,
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

describe("the WAL archiving alerts on a real PostgreSQL, postgres_exporter and Prometheus", () => {
  it("postgres_exporter exports pg_stat_archiver and the ready-segment count", async () => {
    const text = await until("postgres_exporter answering", async () => {
      const body = await (await fetch(`http://127.0.0.1:${exporterPort}/metrics`)).text();
      return body.includes("pg_up 1") ? body : undefined;
    });
    const names = new Set(parseMetrics(text).map((s) => s.name));
    for (const name of [
      "pg_stat_archiver_failed_count",
      "pg_stat_archiver_archived_count",
      "pg_archive_ready_segments",
    ]) {
      expect(names).toContain(name);
    }
  }, 60_000);

  it("fires nothing while no WAL waits", async () => {
    await until("two scrapes", async () => ((await scrapes()) >= 2 ? true : undefined));
    expect(await firing()).toEqual([]);
  }, 60_000);

  it("fires WALArchivingFailing and WALArchivingLagging once segments pile up unarchived", async () => {
    for (let i = 0; i < 12; i++) {
      await e2e.db.sql(`create table filler_${i} as select g from generate_series(1, 1000) g`);
      await e2e.db.sql("select pg_switch_wal()");
    }
    expect(Number(await e2e.db.sql("select failed_count from pg_stat_archiver"))).toBeGreaterThan(
      0,
    );
    const alerts = await until("both archiving alerts firing", async () => {
      const names = await firing();
      return names.includes("PgBackRestWALArchivingFailing") &&
        names.includes("PgBackRestWALArchivingLagging")
        ? names
        : undefined;
    });
    expect(alerts).toEqual(["PgBackRestWALArchivingFailing", "PgBackRestWALArchivingLagging"]);
  }, 120_000);
});
