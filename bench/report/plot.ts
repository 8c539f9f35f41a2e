// The scaling suite's plot, docs/benchmarks-scaling.svg: seconds against the database's
// size, one line with markers per operation, written as SVG text. Pure: the same JSON
// always gives the same file.
import { SCALING_SERIES, type ScalingPoint, scalingSeconds } from "../suites/scaling.ts";
import { type BenchResults, seconds } from "./results.ts";

/** The plot's file name, next to benchmarks.md. */
export const SCALING_SVG = "benchmarks-scaling.svg";

const WIDTH = 760;
const HEIGHT = 440;
const PLOT = { left: 64, right: 540, top: 52, bottom: 380 };
// Told apart by colour and by marker, so the plot reads in grey too.
const STYLES = [
  { colour: "#1f77b4", marker: "circle" },
  { colour: "#2ca02c", marker: "square" },
  { colour: "#d62728", marker: "triangle" },
  { colour: "#9467bd", marker: "diamond" },
  { colour: "#ff7f0e", marker: "cross" },
] as const;

const xmlText = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
/** Coordinates with at most one decimal, so the file stays small and stable. */
const n = (x: number) => String(Math.round(x * 10) / 10);

/** Round steps (1, 2 or 5 times a power of ten) from 0 past `max`, about `count` of them. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const out: number[] = [];
  for (let i = 0; ; i++) {
    // Rounded, so that 0.1 × 3 prints as 0.3.
    const value = Number((i * step).toPrecision(12));
    out.push(value);
    if (value >= max) return out;
  }
}

function marker(shape: (typeof STYLES)[number]["marker"], x: number, y: number): string {
  const r = 4.5;
  switch (shape) {
    case "circle":
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${r}"/>`;
    case "square":
      return `<rect x="${n(x - r)}" y="${n(y - r)}" width="${2 * r}" height="${2 * r}"/>`;
    case "triangle":
      return `<polygon points="${n(x)},${n(y - r - 1)} ${n(x + r + 1)},${n(y + r)} ${n(x - r - 1)},${n(y + r)}"/>`;
    case "diamond":
      return `<polygon points="${n(x)},${n(y - r - 1)} ${n(x + r + 1)},${n(y)} ${n(x)},${n(y + r + 1)} ${n(x - r - 1)},${n(y)}"/>`;
    case "cross":
      return `<path d="M${n(x - r)},${n(y - r)}L${n(x + r)},${n(y + r)}M${n(x - r)},${n(y + r)}L${n(x + r)},${n(y - r)}" fill="none" stroke-width="2.5"/>`;
  }
}

/** The plot of the run's scaling suite, or undefined when the run did not measure it. */
export function renderScalingSvg(r: BenchResults): string | undefined {
  const points = r.suites.scaling;
  if (!points || points.length === 0) return undefined;
  return scalingSvg(points, `${r.machine.pgbackrest}, ${r.machine.cores} cores, ${r.machine.date}`);
}

export function scalingSvg(points: ScalingPoint[], subtitle: string): string {
  const sorted = [...points].sort((a, b) => a.sizeGb - b.sizeGb);
  const xTicks = ticks(Math.max(...sorted.map((p) => p.sizeGb)));
  const yTicks = ticks(
    Math.max(...sorted.flatMap((p) => SCALING_SERIES.map((s) => scalingSeconds(p, s.key)))),
  );
  const xMax = xTicks.at(-1) as number;
  const yMax = yTicks.at(-1) as number;
  const px = (gib: number) => PLOT.left + (gib / xMax) * (PLOT.right - PLOT.left);
  const py = (s: number) => PLOT.bottom - (s / yMax) * (PLOT.bottom - PLOT.top);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">Backup, PITR and validation time against database size</text>`,
    `<text x="${WIDTH / 2}" y="40" text-anchor="middle" fill="#555555">${xmlText(subtitle)}</text>`,
    `<g class="grid" stroke="#e4e4e4">`,
    ...yTicks.map(
      (t) => `<line x1="${PLOT.left}" y1="${n(py(t))}" x2="${PLOT.right}" y2="${n(py(t))}"/>`,
    ),
    `</g>`,
    `<g class="axes" stroke="#333333">`,
    `<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}"/>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}"/>`,
    ...xTicks.map(
      (t) =>
        `<line x1="${n(px(t))}" y1="${PLOT.bottom}" x2="${n(px(t))}" y2="${PLOT.bottom + 5}"/>`,
    ),
    ...yTicks.map(
      (t) => `<line x1="${PLOT.left - 5}" y1="${n(py(t))}" x2="${PLOT.left}" y2="${n(py(t))}"/>`,
    ),
    `</g>`,
    `<g class="x-ticks" text-anchor="middle">`,
    ...xTicks.map((t) => `<text x="${n(px(t))}" y="${PLOT.bottom + 19}">${t}</text>`),
    `</g>`,
    `<g class="y-ticks" text-anchor="end">`,
    ...yTicks.map((t) => `<text x="${PLOT.left - 8}" y="${n(py(t) + 4)}">${t}</text>`),
    `</g>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 42}" text-anchor="middle">database size (GiB)</text>`,
    `<text transform="translate(18 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">seconds</text>`,
  ];
  SCALING_SERIES.forEach((series, i) => {
    const style = STYLES[i % STYLES.length] as (typeof STYLES)[number];
    const at = sorted.map((p) => ({ gib: p.sizeGb, s: scalingSeconds(p, series.key) }));
    out.push(
      `<g class="series" data-series="${series.key}" stroke="${style.colour}" fill="${style.colour}">`,
      `<polyline fill="none" stroke-width="2" points="${at.map((a) => `${n(px(a.gib))},${n(py(a.s))}`).join(" ")}"/>`,
      ...at.map(
        (a) =>
          `<g class="point" data-size-gib="${a.gib}" data-seconds="${a.s}"><title>${xmlText(`${series.title}, ${a.gib} GiB: ${seconds(a.s)}`)}</title>${marker(style.marker, px(a.gib), py(a.s))}</g>`,
      ),
      `</g>`,
    );
  });
  const legendX = PLOT.right + 24;
  out.push(`<g class="legend">`);
  SCALING_SERIES.forEach((series, i) => {
    const style = STYLES[i % STYLES.length] as (typeof STYLES)[number];
    const y = PLOT.top + 10 + i * 24;
    out.push(
      `<g stroke="${style.colour}" fill="${style.colour}"><line x1="${legendX}" y1="${y}" x2="${legendX + 28}" y2="${y}" stroke-width="2"/>${marker(style.marker, legendX + 14, y)}</g>`,
      `<text x="${legendX + 36}" y="${y + 4}">${xmlText(series.title)}</text>`,
    );
  });
  out.push(`</g>`, `</svg>`);
  return `${out.join("\n")}\n`;
}
