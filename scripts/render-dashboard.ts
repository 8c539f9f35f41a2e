// The picture of the Grafana dashboard in docs/monitoring.md (docs/monitoring-dashboard.svg),
// drawn from what Prometheus answered to the dashboard's own queries in the monitoring
// end-to-end run (test/e2e/dashboard.test.ts writes them when DASHBOARD_RESULTS names a
// file; docs/monitoring-dashboard.json is the committed run). Grafana itself is not
// needed: panels at their grid positions, stat panels as their last values, time series
// as line charts (scripts/svg-chart.ts). Pure: the same results always give the same file.
// Run: node scripts/render-dashboard.ts [RESULTS.json [OUT.svg]]
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Dashboard, legendName, loadDashboard, type Panel } from "./dashboard.ts";
import {
  axesSvg,
  marker,
  coord as n,
  polylineSvg,
  scale,
  styleAt,
  ticks,
  ticksWithin,
  xmlText,
} from "./svg-chart.ts";

export const RESULTS_SCHEMA = "mcpgov-backup/dashboard-results/v1";

/** One query's answer from Prometheus's query_range: its series, values as Prometheus gives them. */
export interface QueryResult {
  panel: number;
  refId: string;
  expr: string;
  series: { metric: Record<string, string>; values: [number, string][] }[];
}

export interface DashboardResults {
  schema: typeof RESULTS_SCHEMA;
  start: number;
  end: number;
  step: number;
  /** The template variables' values the queries were run with. */
  variables: Record<string, string>;
  queries: QueryResult[];
}

const COLUMN = 50; // Grafana's 24 columns over 1200 px
const ROW = 30; // Grafana's grid row height
const HEADER = 56;
const GAP = 8;
const COLOURS: Record<string, string> = { green: "#56a64b", red: "#e02f44", blue: "#3274d9" };

/** A value in the panel's unit, as Grafana abbreviates it. */
export function formatValue(value: number, unit = "none"): string {
  const short = (x: number) => String(Number(x.toPrecision(3)));
  if (unit === "s") {
    const abs = Math.abs(value);
    if (abs < 60) return `${short(value)} s`;
    if (abs < 3600) return `${short(value / 60)} min`;
    if (abs < 86400) return `${short(value / 3600)} h`;
    return `${short(value / 86400)} d`;
  }
  if (unit === "decbytes") {
    const units = ["B", "kB", "MB", "GB", "TB"];
    let i = 0;
    let x = value;
    while (Math.abs(x) >= 1000 && i < units.length - 1) {
      x /= 1000;
      i++;
    }
    return `${short(x)} ${units[i]}`;
  }
  return short(value);
}

const clock = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);
const TIME_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600];

interface Drawn {
  name: string;
  points: [number, number][];
}

function seriesOf(panel: Panel, results: DashboardResults): Drawn[] {
  return panel.targets.flatMap((target) => {
    const result = results.queries.find((q) => q.panel === panel.id && q.refId === target.refId);
    return (result?.series ?? []).map((s) => ({
      name: legendName(target.legendFormat, s.metric),
      points: s.values.map(([t, v]) => [t, Number(v)] as [number, number]),
    }));
  });
}

function frame(panel: Panel, x: number, y: number, w: number, h: number): string[] {
  return [
    `<g class="panel" data-panel="${panel.id}" data-type="${panel.type}">`,
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="3" fill="#ffffff" stroke="#d8d9da"/>`,
    `<text x="${x + 10}" y="${y + 20}" font-size="13" font-weight="bold">${xmlText(panel.title)}</text>`,
  ];
}

/** The value's text and colour after the panel's value mappings and thresholds. */
function statLook(panel: Panel, value: number): { text: string; colour: string } {
  const { unit, mappings = [], thresholds } = panel.fieldConfig.defaults;
  for (const mapping of mappings) {
    const hit = mapping.type === "value" ? mapping.options[String(value)] : undefined;
    if (hit) return { text: hit.text, colour: COLOURS[hit.color ?? ""] ?? "#3274d9" };
  }
  const step = (thresholds?.steps ?? []).filter((s) => s.value === null || value >= s.value).at(-1);
  return { text: formatValue(value, unit), colour: COLOURS[step?.color ?? ""] ?? "#3274d9" };
}

function statPanel(panel: Panel, series: Drawn[], x: number, y: number, w: number, h: number) {
  const out = frame(panel, x, y, w, h);
  const shown = series.filter((s) => s.points.length > 0);
  if (shown.length === 0) return [...out, ...noData(panel, x, y, w, h), `</g>`];
  const width = (w - 20 - (shown.length - 1) * 6) / shown.length;
  shown.forEach((s, i) => {
    const [, value] = s.points.at(-1) as [number, number];
    const look = statLook(panel, value);
    const bx = x + 10 + i * (width + 6);
    out.push(
      `<g class="stat" data-name="${xmlText(s.name)}" data-value="${value}">`,
      `<rect x="${n(bx)}" y="${y + 30}" width="${n(width)}" height="${h - 40}" rx="2" fill="${look.colour}"/>`,
      `<text x="${n(bx + width / 2)}" y="${y + 52}" text-anchor="middle" fill="#ffffff">${xmlText(s.name)}</text>`,
      `<text x="${n(bx + width / 2)}" y="${y + h - 22}" text-anchor="middle" fill="#ffffff" font-size="26" font-weight="bold">${xmlText(look.text)}</text>`,
      `</g>`,
    );
  });
  return [...out, `</g>`];
}

function noData(panel: Panel, x: number, y: number, w: number, h: number): string[] {
  const exprs = panel.targets.map((t) => t.expr).join(" ");
  const sources = [
    /\bkube_/.test(exprs) ? "kube-state-metrics" : "",
    /\bkubelet_/.test(exprs) ? "the kubelet" : "",
  ].filter(Boolean);
  const out = [
    `<text x="${x + w / 2}" y="${y + h / 2}" text-anchor="middle" fill="#777777" font-size="14">No data</text>`,
  ];
  if (sources.length > 0)
    out.push(
      `<text x="${x + w / 2}" y="${y + h / 2 + 18}" text-anchor="middle" fill="#777777">${xmlText(`series of a cluster's ${sources.join(" and ")}, not of this run`)}</text>`,
    );
  return out;
}

function timeseriesPanel(
  panel: Panel,
  series: Drawn[],
  results: DashboardResults,
  box: { x: number; y: number; w: number; h: number },
) {
  const { x, y, w, h } = box;
  const out = frame(panel, x, y, w, h);
  const shown = series.filter((s) => s.points.length > 0);
  if (shown.length === 0) return [...out, ...noData(panel, x, y, w, h), `</g>`];
  const unit = panel.fieldConfig.defaults.unit;
  const plot = { left: x + 70, right: x + w - 16, top: y + 34, bottom: y + h - 52 };
  const yTicks = ticks(Math.max(...shown.flatMap((s) => s.points.map((p) => p[1]))), 4);
  const px = scale(results.start, results.end, plot.left, plot.right);
  const py = scale(0, yTicks.at(-1) as number, plot.bottom, plot.top);
  out.push(
    ...axesSvg({
      box: plot,
      px,
      py,
      xTicks: ticksWithin(results.start, results.end, TIME_STEPS).map((t) => ({
        value: t,
        label: clock(t),
      })),
      yTicks: yTicks.map((t) => ({ value: t, label: formatValue(t, unit) })),
    }),
  );
  shown.forEach((s, i) => {
    const style = styleAt(i);
    // A gap in the data (no sample for more than two steps) is a gap in the line.
    const runs: [number, number][][] = [];
    for (const point of s.points) {
      const run = runs.at(-1);
      const previous = run?.at(-1);
      if (run && previous && point[0] - previous[0] <= 2 * results.step) run.push(point);
      else runs.push([point]);
    }
    out.push(
      `<g class="series" data-name="${xmlText(s.name)}" data-last="${s.points.at(-1)?.[1]}" stroke="${style.colour}" fill="${style.colour}">`,
      ...runs.map((run) =>
        run.length === 1
          ? marker("circle", px(run[0]?.[0] ?? 0), py(run[0]?.[1] ?? 0))
          : polylineSvg(run.map(([t, v]) => ({ x: px(t), y: py(v) }))),
      ),
      `</g>`,
    );
    const lx = x + 12 + (i % 3) * ((w - 24) / 3);
    const ly = y + h - 22 + Math.floor(i / 3) * 14;
    out.push(
      `<g class="legend"><line x1="${n(lx)}" y1="${ly}" x2="${n(lx + 16)}" y2="${ly}" stroke="${style.colour}" stroke-width="3"/>`,
      `<text x="${n(lx + 22)}" y="${ly + 4}" font-size="11">${xmlText(s.name)}</text></g>`,
    );
  });
  return [...out, `</g>`];
}

/** The dashboard as a picture, its panels drawn from the results of its own queries. */
export function renderDashboardSvg(dashboard: Dashboard, results: DashboardResults): string {
  if (results.schema !== RESULTS_SCHEMA) throw new Error(`results: not ${RESULTS_SCHEMA}`);
  const rows = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h));
  const width = 24 * COLUMN + GAP;
  const height = HEADER + rows * ROW + GAP;
  const variables = Object.entries(results.variables)
    .map(([k, v]) => `${k}: ${v}`)
    .join("   ");
  const day = new Date(results.start * 1000).toISOString().slice(0, 10);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#f4f5f5"/>`,
    `<text x="${GAP + 4}" y="24" font-size="17" font-weight="bold">${xmlText(dashboard.title)}</text>`,
    `<text x="${GAP + 4}" y="44" fill="#555555">${xmlText(`${variables}   ·   ${day} ${clock(results.start)} to ${clock(results.end)} UTC`)}</text>`,
  ];
  for (const panel of dashboard.panels) {
    const { x, y, w, h } = panel.gridPos;
    const box = {
      x: GAP + x * COLUMN,
      y: HEADER + y * ROW,
      w: w * COLUMN - GAP,
      h: h * ROW - GAP,
    };
    const series = seriesOf(panel, results);
    out.push(
      ...(panel.type === "stat"
        ? statPanel(panel, series, box.x, box.y, box.w, box.h)
        : timeseriesPanel(panel, series, results, box)),
    );
  }
  out.push(`</svg>`);
  return `${out.join("\n")}\n`;
}

export const RESULTS_FILE = fileURLToPath(
  new URL("../docs/monitoring-dashboard.json", import.meta.url),
);
export const PICTURE_FILE = fileURLToPath(
  new URL("../docs/monitoring-dashboard.svg", import.meta.url),
);

if (import.meta.main) {
  const [resultsFile = RESULTS_FILE, out = PICTURE_FILE] = process.argv.slice(2);
  const results = JSON.parse(readFileSync(resultsFile, "utf8")) as DashboardResults;
  writeFileSync(out, renderDashboardSvg(loadDashboard(), results));
  console.log(`${out}: drawn from ${resultsFile}`);
}
