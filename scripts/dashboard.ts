// The Grafana dashboard the monitoring component ships (manifests/monitoring/dashboard/),
// read as Grafana reads it: its panels, their queries, the template variables they use.
// Shared by the picture in docs/monitoring.md (render-dashboard.ts) and its tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DASHBOARD_FILE = fileURLToPath(
  new URL("../manifests/monitoring/dashboard/mcpgov-backup.json", import.meta.url),
);

export interface Datasource {
  type: string;
  uid: string;
}

export interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource: Datasource;
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ValueMapping {
  type: string;
  options: Record<string, { text: string; color?: string }>;
}

export interface Panel {
  id: number;
  type: "stat" | "timeseries";
  title: string;
  description: string;
  datasource: Datasource;
  gridPos: GridPos;
  fieldConfig: {
    defaults: {
      unit?: string;
      mappings?: ValueMapping[];
      thresholds?: { steps: { color: string; value: number | null }[] };
    };
  };
  targets: Target[];
}

export interface Variable {
  name: string;
  type: "datasource" | "query";
  query: string | { query: string };
  datasource?: Datasource;
}

export interface Dashboard {
  uid: string;
  title: string;
  templating: { list: Variable[] };
  panels: Panel[];
}

export function loadDashboard(file = DASHBOARD_FILE): Dashboard {
  return JSON.parse(readFileSync(file, "utf8")) as Dashboard;
}

/**
 * The query with its template variables replaced as Grafana does for one selected value
 * each (`$name` or `${name}`); throws when one is left without a value.
 */
export function substitute(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced, bare) => {
    const value = values[braced ?? bare];
    if (value === undefined) throw new Error(`${expr}: no value for ${whole}`);
    return value;
  });
}

/** A series' name in the legend, as Grafana writes legendFormat's `{{label}}`. */
export function legendName(format: string | undefined, labels: Record<string, string>): string {
  if (!format) return JSON.stringify(labels);
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label: string) => labels[label] ?? "");
}

/** What a query variable asks of Prometheus: `label_values(SELECTOR, LABEL)`. */
export function labelValuesQuery(variable: Variable): { selector: string; label: string } {
  const query = typeof variable.query === "string" ? variable.query : variable.query.query;
  const match = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
  if (!match) throw new Error(`variable ${variable.name}: not label_values(selector, label)`);
  return { selector: match[1] as string, label: match[2] as string };
}
