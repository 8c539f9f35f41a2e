// The Grafana dashboard as shipped, without daemons: every panel has a query, every query
// reaches Prometheus through the datasource variable only and is filtered by the namespace
// and stanza variables, it is PromQL promtool accepts, it names only metrics the product's
// writer writes or a cluster's exporters' known ones; the monitoring component carries
// the file byte for byte in a ConfigMap Grafana's sidecar loads; and the picture in
// docs/monitoring.md is drawn from the dashboard's own queries. test/e2e/dashboard.test.ts
// runs the queries against a real Prometheus.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { DASHBOARD_FILE, labelValuesQuery, loadDashboard } from "../../scripts/dashboard.ts";
import {
  type DashboardResults,
  formatValue,
  PICTURE_FILE,
  RESULTS_FILE,
  renderDashboardSvg,
} from "../../scripts/render-dashboard.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { dashboardQueries, EXTERNAL_METRICS, metricNames } from "../support/dashboard.ts";

const dashboard = loadDashboard();
const queries = dashboardQueries(dashboard);
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable, as the JSON has it
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };
const variableQueries = dashboard.templating.list
  .filter((v) => v.type === "query")
  .map((v) => ({ name: v.name, ...labelValuesQuery(v) }));

/** Every `datasource` value anywhere in the JSON, with where it is. */
function datasources(node: unknown, path = ""): { path: string; value: unknown }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => datasources(item, `${path}[${i}]`));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(key === "datasource" ? [{ path: `${path}.${key}`, value }] : []),
    ...datasources(value, `${path}.${key}`),
  ]);
}

/** What `promtool check rules` says of these expressions, each as a recording rule. */
function promtoolCheck(exprs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "dashboard-promql-"));
  try {
    const file = join(dir, "queries.yml");
    const rules = exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr }));
    writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules }] }));
    return execFileSync("promtool", ["check", "rules", file], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ""}${stderr ?? ""}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the Grafana dashboard", () => {
  it("has the panels the issue asks for, each with a query that names a metric", () => {
    expect(dashboard.panels.map((p) => p.title)).toEqual([
      "Last validation",
      "Age of the last backup",
      "Recovery window",
      "RPO: written WAL not yet in the repository",
      "Validation RTO",
      "Repository size",
      "Backup duration",
      "Backup Jobs",
    ]);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets)
        expect(metricNames(target.expr), `${panel.title} ${target.refId}`).not.toEqual([]);
    }
  });

  it("reaches Prometheus only through the datasource variable", () => {
    const variable = dashboard.templating.list.find((v) => v.name === "datasource");
    expect(variable).toMatchObject({ type: "datasource", query: "prometheus" });
    const found = datasources(dashboard);
    // Each panel, each of its queries and each query variable names one.
    expect(found.length).toBe(dashboard.panels.length + queries.length + variableQueries.length);
    expect(found.filter((d) => JSON.stringify(d.value) !== JSON.stringify(DATASOURCE))).toEqual([]);
  });

  it("filters every selector by the namespace variable, and the product's by the stanza too", () => {
    const unfiltered: string[] = [];
    for (const { expr } of queries) {
      const selectors = [...expr.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)];
      expect(selectors.length, expr).toBeGreaterThan(0);
      for (const [selector, name, matchers = ""] of selectors) {
        const wanted = ['namespace=~"$namespace"'];
        if (name?.startsWith("mcpgov_backup_")) wanted.push('stanza=~"$stanza"');
        if (!wanted.every((m) => matchers.includes(m))) unfiltered.push(selector);
      }
    }
    expect(unfiltered).toEqual([]);
    // The stanzas offered are those of the namespaces chosen.
    expect(variableQueries.map((v) => [v.name, v.label, v.selector])).toEqual([
      ["namespace", "namespace", "mcpgov_backup_repo_status_code"],
      ["stanza", "stanza", 'mcpgov_backup_repo_status_code{namespace=~"$namespace"}'],
    ]);
  });

  it("names only metrics pgbackrest-metrics.sh writes, or kube-state-metrics' and the kubelet's known ones", () => {
    const script = readFileSync(projectPath("scripts", "pgbackrest-metrics.sh"), "utf8");
    const external = Object.values(EXTERNAL_METRICS).flat();
    const names = new Set([
      ...queries.flatMap((q) => q.names),
      ...variableQueries.flatMap((v) => metricNames(v.selector)),
    ]);
    const unknown = [...names].filter((name) =>
      name.startsWith("mcpgov_backup_") ? !script.includes(`"${name}"`) : !external.includes(name),
    );
    expect(unknown).toEqual([]);
    // The names are read as a scraper would: a misspelt one is caught.
    expect(metricNames('max by (job_name) (kube_job_status_start_tme{a="b"}) - time()')).toEqual([
      "kube_job_status_start_tme",
    ]);
  });

  it("is PromQL that Prometheus accepts, its variables substituted (promtool check rules)", () => {
    expect(promtoolCheck(queries.map((q) => q.query))).toContain(
      `SUCCESS: ${queries.length} rules found`,
    );
    expect(promtoolCheck(["max by (namespace (up)"])).toMatch(/parse error/);
  });

  it("lays its panels out on Grafana's 24 columns without overlap", () => {
    const cells = new Set<string>();
    for (const { title, gridPos } of dashboard.panels) {
      expect(gridPos.x + gridPos.w, title).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++)
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });

  it("ships in the monitoring component as a ConfigMap Grafana's sidecar loads, the file byte for byte", () => {
    const [doc] = loadManifestFile(
      projectPath("manifests", "monitoring", "pgbackrest-dashboard-configmap.yaml"),
    );
    const configMap = doc?.object as {
      kind: string;
      metadata: { name: string; labels: Record<string, string> };
      data: Record<string, string>;
    };
    expect(configMap.kind).toBe("ConfigMap");
    expect(configMap.metadata.labels.grafana_dashboard).toBe("1");
    expect(configMap.data).toEqual({ "mcpgov-backup.json": readFileSync(DASHBOARD_FILE, "utf8") });

    // Rendered in an overlay: under its own name (no hash) and in the overlay's namespace.
    const objects = renderKustomization(projectPath("examples", "production"));
    const namespace = objects.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name === "pgbackrest-config",
    )?.metadata.namespace;
    const rendered = objects.filter((o) => o.metadata.labels?.grafana_dashboard === "1");
    expect(rendered.map((o) => [o.kind, o.metadata.name, o.metadata.namespace])).toEqual([
      ["ConfigMap", "pgbackrest-dashboard", namespace],
    ]);
  });

  it("is pictured in docs/monitoring.md from the answers to its own queries", () => {
    const results = JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as DashboardResults;
    expect(results.queries.map((q) => [q.panel, q.refId, q.expr])).toEqual(
      queries.map((q) => [q.panel, q.refId, q.query]),
    );
    for (const q of queries.filter((x) => x.product))
      expect(
        results.queries.find((r) => r.panel === q.panel && r.refId === q.refId)?.series.length,
        `${q.title} ${q.refId}`,
      ).toBeGreaterThan(0);
    expect(readFileSync(PICTURE_FILE, "utf8")).toBe(renderDashboardSvg(dashboard, results));
    expect(readFileSync(projectPath("docs", "monitoring.md"), "utf8")).toContain(
      "(monitoring-dashboard.svg)",
    );
  });

  it("draws each panel from its answers: stat panels their last values, time series their lines, a cluster's panel as no data", () => {
    const results = JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as DashboardResults;
    const svg = renderDashboardSvg(dashboard, results);
    expect([...svg.matchAll(/data-panel="(\d+)"/g)].map((m) => Number(m[1]))).toEqual(
      dashboard.panels.map((p) => p.id),
    );
    const verdict = svg.slice(svg.indexOf('data-panel="1"')).split("</g>")[0] as string;
    expect(verdict).toContain(">passed</text>");
    const durations = [
      ...svg.matchAll(/<g class="series" data-name="(\w+) repo1" data-last="([\d.]+)"/g),
    ];
    expect(durations.map((m) => m[1])).toEqual(expect.arrayContaining(["full", "diff", "incr"]));
    const jobs = svg.slice(svg.indexOf('data-panel="8"'));
    expect(jobs).toContain(">No data</text>");
    expect(jobs).toContain("kube-state-metrics");
    expect([
      formatValue(42, "s"),
      formatValue(5400, "s"),
      formatValue(5480013, "decbytes"),
    ]).toEqual(["42 s", "1.5 h", "5.48 MB"]);
  });
});
