// The Grafana dashboard's every query against a real Prometheus: PostgreSQL and pgBackRest
// take a full, a diff and an incr backup, the product's writer serves their figures and
// the WAL's through node_exporter's textfile collector, a real validation pushes its
// verdict to a Pushgateway, and Prometheus scrapes both, with the namespace label the
// ServiceMonitor's scrape adds. Each panel on the product's metrics returns data, with the
// figures pgBackRest and the validation gave; each on a cluster's series (kube-state-metrics,
// the kubelet) is PromQL Prometheus accepts, naming only those exporters' metrics.
// With DASHBOARD_RESULTS=FILE the answers are written to FILE, from which
// scripts/render-dashboard.ts draws the picture in docs/monitoring.md.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelValuesQuery, loadDashboard, substitute } from "../../scripts/dashboard.ts";
import {
  type DashboardResults,
  type QueryResult,
  RESULTS_SCHEMA,
} from "../../scripts/render-dashboard.ts";
import { projectPath } from "../../src/core/paths.ts";
import { findStanza, parseInfo } from "../../src/core/pgbackrest/info.ts";
import { freePort, hostPath, makeServiceSubdir } from "../../src/local/host.ts";
import { jobCommand } from "../../src/local/lab/first-run.ts";
import { stagedForService } from "../../src/local/lab/stage.ts";
import { Daemons, scrape, until } from "../support/daemons.ts";
import {
  type DashboardQuery,
  dashboardQueries,
  EXTERNAL_METRICS,
  VARIABLES,
} from "../support/dashboard.ts";
import { TIMEOUT } from "../support/e2e-cluster.ts";
import { pgHostForFile } from "../support/e2e-pg-host.ts";

const manifestsDir = projectPath("manifests");
const writer = stagedForService("scripts", "pgbackrest-metrics.sh");
const dashboard = loadDashboard();
const queries = dashboardQueries(dashboard);
const e2e = pgHostForFile({ stanza: true });
const daemons = new Daemons();
const answers = new Map<string, QueryResult>();
let prometheus: string;
let start: number;
let report: { rtoSeconds: number; status: string };

interface Answer<T> {
  status: string;
  error?: string;
  data: T;
}

async function api<T>(path: string, params: Record<string, string>): Promise<Answer<T>> {
  const response = await fetch(`${prometheus}/api/v1/${path}?${new URLSearchParams(params)}`);
  return (await response.json()) as Answer<T>;
}

type Matrix = QueryResult["series"];

/** The query over the run so far, one point a second, as a Grafana time series asks. */
function queryRange(query: string) {
  const end = Math.ceil(Date.now() / 1000);
  return api<{ result: Matrix }>("query_range", {
    query,
    start: String(start),
    end: String(end),
    step: "1",
  }).then((answer) => ({ ...answer, end }));
}

/** The panel query's answer, kept for the picture (DASHBOARD_RESULTS). */
async function recorded(q: DashboardQuery) {
  const answer = await queryRange(q.query);
  const series = answer.data?.result ?? [];
  answers.set(`${q.panel}/${q.refId}`, { panel: q.panel, refId: q.refId, expr: q.query, series });
  return answer;
}

const lastValue = (series: Matrix[number] | undefined) => Number(series?.values.at(-1)?.[1]);

beforeAll(async () => {
  const dir = join(e2e.db.dir, "dashboard");
  const textfiles = join(dir, "textfile");
  makeServiceSubdir(dir);
  makeServiceSubdir(textfiles);
  const [node, pushgateway, prometheusPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  daemons.start([
    "prometheus-node-exporter",
    `--web.listen-address=127.0.0.1:${node}`,
    "--collector.disable-defaults",
    "--collector.textfile",
    `--collector.textfile.directory=${textfiles}`,
  ]);
  daemons.start(["prometheus-pushgateway", `--web.listen-address=127.0.0.1:${pushgateway}`]);
  // The product's two writers, every second: pgBackRest's figures, and the WAL's from
  // PostgreSQL itself.
  const env = { ...e2e.db.env, PATH: hostPath() };
  const every = ["--stanza", VARIABLES.stanza, "--interval", "1"];
  daemons.start([writer, ...every, "--textfile", join(textfiles, "pgbackrest.prom")], env);
  daemons.start([writer, ...every, "--wal", "--textfile", join(textfiles, "pgbackrest-wal.prom")], {
    ...env,
    PGHOST: e2e.db.socketDir,
    PGPORT: String(e2e.db.port),
  });
  const labels = `labels: {namespace: ${VARIABLES.namespace}}`;
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global: {scrape_interval: 1s}",
      "scrape_configs:",
      `  - {job_name: metrics, static_configs: [{targets: ["127.0.0.1:${node}"], ${labels}}]}`,
      `  - {job_name: pushgateway, honor_labels: true, static_configs: [{targets: ["127.0.0.1:${pushgateway}"], ${labels}}]}`,
      "",
    ].join("\n"),
  );
  daemons.start([
    "prometheus",
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${prometheusPort}`,
  ]);
  prometheus = `http://127.0.0.1:${prometheusPort}`;
  await scrape(`${prometheus}/-/ready`);
  start = Math.floor(Date.now() / 1000);

  // The history the panels show: a full, a diff and an incr as the database grows, each a
  // few scrapes apart, then a validation that pushes its verdict.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 3000));
  const full = jobCommand(manifestsDir, "schedules/pgbackrest-full-backup-cronjob.yaml");
  const diff = jobCommand(manifestsDir, "schedules/pgbackrest-diff-backup-cronjob.yaml");
  await e2e.db.sql("create table ledger as select g as id from generate_series(1, 100000) g");
  await pause();
  await e2e.db.run(full);
  await pause();
  await e2e.db.sql("insert into ledger select g from generate_series(1, 200000) g");
  await e2e.db.run(diff);
  await pause();
  await e2e.db.sql("insert into ledger select g from generate_series(1, 100000) g");
  await e2e.db.run(diff.map((arg) => (arg === "--type=diff" ? "--type=incr" : arg)));
  await pause();
  const reportFile = join(dir, "validation.json");
  await e2e.db.run([
    stagedForService("scripts", "restore-validation.sh"),
    "--scratch",
    join(dir, "validation-scratch"),
    "--report",
    reportFile,
    "--pushgateway",
    `http://127.0.0.1:${pushgateway}`,
  ]);
  report = JSON.parse(readFileSync(reportFile, "utf8"));
  // Until Prometheus has scraped the incr's figures and the verdict, and a few more points.
  await until("Prometheus scraping the incr and the verdict", async () => {
    const answer = await api<{ result: unknown[] }>("query", {
      query:
        'mcpgov_backup_last_success_timestamp_seconds{type="incr"} > 0 and on (stanza, repo) mcpgov_backup_validation_last_success',
    });
    return answer.data.result.length > 0 ? true : undefined;
  });
  await pause();
}, TIMEOUT.setUp);

afterAll(() => {
  daemons.stopAll();
  const file = process.env.DASHBOARD_RESULTS;
  if (!file || answers.size !== queries.length) return;
  const ordered = queries.map((q) => answers.get(`${q.panel}/${q.refId}`) as QueryResult);
  const results: DashboardResults = {
    schema: RESULTS_SCHEMA,
    start,
    end: Math.max(...ordered.flatMap((q) => q.series.flatMap((s) => s.values.map((v) => v[0])))),
    step: 1,
    variables: VARIABLES,
    queries: ordered,
  };
  writeFileSync(file, `${JSON.stringify(results)}\n`);
});

describe("the Grafana dashboard on a real Prometheus", () => {
  it.each(
    dashboard.templating.list.filter((v) => v.type === "query").map((v) => [v.name, v] as const),
  )("the %s variable offers the value the series carry", async (name, variable) => {
    const { selector, label } = labelValuesQuery(variable);
    const answer = await api<string[]>(`label/${label}/values`, {
      "match[]": substitute(selector, VARIABLES),
    });
    expect(answer.status).toBe("success");
    expect(answer.data).toEqual([VARIABLES[name as keyof typeof VARIABLES]]);
  });

  it.each(queries.filter((q) => q.product).map((q) => [`${q.title} (${q.refId})`, q] as const))(
    "%s, on the product's metrics, returns data",
    async (_, q) => {
      const answer = await recorded(q);
      expect(answer.error).toBeUndefined();
      expect(answer.data.result.length).toBeGreaterThan(0);
      for (const series of answer.data.result) expect(series.values.length).toBeGreaterThan(0);
    },
  );

  it.each(queries.filter((q) => !q.product).map((q) => [`${q.title} (${q.refId})`, q] as const))(
    "%s, on a cluster's series, is PromQL Prometheus accepts and names only known metrics",
    async (_, q) => {
      const known = Object.values(EXTERNAL_METRICS).flat();
      expect(q.names.filter((name) => !known.includes(name))).toEqual([]);
      const answer = await recorded(q);
      expect(answer.error).toBeUndefined();
      expect(answer.status).toBe("success");
    },
  );

  it("a query Prometheus cannot parse is refused, so the check above can fail", async () => {
    const answer = await queryRange("max by (namespace (kube_job_status_start_time)");
    expect(answer.status).toBe("error");
    expect(answer.error).toMatch(/parse error/);
  });

  it("the panels show pgBackRest's and the validation's own figures", async () => {
    const { stdout } = await e2e.db.run(["pgbackrest", "--output=json", "info"]);
    const backups = findStanza(parseInfo(stdout), VARIABLES.stanza).backup;
    const panel = (title: string) => {
      const q = queries.find((x) => x.title === title && x.refId === "A");
      if (!q) throw new Error(`no panel ${title}`);
      return queryRange(q.query).then((a) => a.data.result);
    };
    const byType = (series: Matrix) =>
      Object.fromEntries(series.map((s) => [s.metric.type, lastValue(s)]));

    expect(byType(await panel("Backup duration"))).toEqual(
      Object.fromEntries(
        ["full", "diff", "incr"].map((type) => {
          const newest = backups.filter((b) => b.type === type).at(-1);
          return [type, (newest?.timestamp.stop ?? 0) - (newest?.timestamp.start ?? 0)];
        }),
      ),
    );
    const now = Date.now() / 1000;
    const ages = byType(await panel("Age of the last backup"));
    for (const type of ["full", "diff", "incr"]) {
      const stop = backups.filter((b) => b.type === type).at(-1)?.timestamp.stop ?? 0;
      expect(Math.abs((ages[type] ?? 0) - (now - stop))).toBeLessThan(5);
    }
    const window = await panel("Recovery window");
    expect(lastValue(window[0])).toBeGreaterThan(0);
    expect(lastValue(window[0])).toBeLessThan(now - start + 5);
    expect((await panel("Last validation")).map(lastValue)).toEqual([1]);
    expect(report.status).toBe("passed");
    expect((await panel("Validation RTO")).map(lastValue)).toEqual([report.rtoSeconds]);
  });
});
