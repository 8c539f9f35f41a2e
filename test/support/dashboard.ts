// The dashboard's queries as the tests run them: each with its panel, its variables
// substituted, and the metrics it names, told apart into the product's own and a cluster's.
import { type Dashboard, loadDashboard, substitute } from "../../scripts/dashboard.ts";

/**
 * The variables' values in the tests: the namespace the test's scrape adds to every series
 * (as the ServiceMonitor's scrape does on Kubernetes) and the manifests' stanza.
 */
export const VARIABLES = { datasource: "prometheus", namespace: "ai-governance", stanza: "mcpgov" };

/**
 * Series the local run cannot produce: a cluster's kube-state-metrics and kubelet. Only these
 * names, each one those exporters document, so that a misspelt name fails instead of
 * showing "No data" for ever.
 */
export const EXTERNAL_METRICS: Record<string, string[]> = {
  "kube-state-metrics": [
    "kube_job_status_start_time",
    "kube_job_status_completion_time",
    "kube_job_status_active",
    "kube_job_status_succeeded",
    "kube_job_failed",
    "kube_cronjob_status_last_successful_time",
  ],
  kubelet: [
    "kubelet_volume_stats_used_bytes",
    "kubelet_volume_stats_capacity_bytes",
    "kubelet_volume_stats_available_bytes",
  ],
};

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "bool", "and", "or", "unless"]);

/**
 * The metric names a PromQL expression selects: what is left once strings, label matchers,
 * ranges, grouping clauses and numbers are taken out, less functions and aggregations (a
 * name followed by a parenthesis) and PromQL's keywords.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\boffset\s+\S+/g, " ")
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, " ");
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !KEYWORDS.has(m[1] as string))
    .map((m) => m[1] as string);
  return [...new Set(names)].sort();
}

export interface DashboardQuery {
  panel: number;
  title: string;
  refId: string;
  /** As written in the dashboard. */
  expr: string;
  /** With the test's variables substituted, as Grafana sends it. */
  query: string;
  names: string[];
  /** Every name it selects is the product's own (mcpgov_backup_*). */
  product: boolean;
}

export function dashboardQueries(dashboard: Dashboard = loadDashboard()): DashboardQuery[] {
  return dashboard.panels.flatMap((panel) =>
    panel.targets.map((target) => {
      const names = metricNames(target.expr);
      return {
        panel: panel.id,
        title: panel.title,
        refId: target.refId,
        expr: target.expr,
        query: substitute(target.expr, VARIABLES),
        names,
        product: names.length > 0 && names.every((name) => name.startsWith("mcpgov_backup_")),
      };
    }),
  );
}
