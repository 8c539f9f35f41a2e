// The scaling suite's plot, docs/benchmarks-scaling.svg: seconds against the database's
// size, one line with markers per operation, drawn with the docs' shared line charts
// (scripts/svg-chart.ts). Pure: the same JSON always gives the same file.
import {
  axesSvg,
  marker,
  polylineSvg,
  scale,
  styleAt,
  ticks,
  xmlText,
} from "../../scripts/svg-chart.ts";
import { SCALING_SERIES, type ScalingPoint, scalingSeconds } from "../suites/scaling.ts";
import { type BenchResults, seconds } from "./results.ts";

/** The plot's file name, next to benchmarks.md. */
export const SCALING_SVG = "benchmarks-scaling.svg";

const WIDTH = 760;
const HEIGHT = 440;
const PLOT = { left: 64, right: 540, top: 52, bottom: 380 };

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
  const px = scale(0, xTicks.at(-1) as number, PLOT.left, PLOT.right);
  const py = scale(0, yTicks.at(-1) as number, PLOT.bottom, PLOT.top);
  const labelled = (t: number) => ({ value: t, label: String(t) });
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">Backup, PITR and validation time against database size</text>`,
    `<text x="${WIDTH / 2}" y="40" text-anchor="middle" fill="#555555">${xmlText(subtitle)}</text>`,
    ...axesSvg({
      box: PLOT,
      px,
      py,
      xTicks: xTicks.map(labelled),
      yTicks: yTicks.map(labelled),
      xTitle: "database size (GiB)",
      yTitle: "seconds",
    }),
  ];
  SCALING_SERIES.forEach((series, i) => {
    const style = styleAt(i);
    const at = sorted.map((p) => ({ gib: p.sizeGb, s: scalingSeconds(p, series.key) }));
    out.push(
      `<g class="series" data-series="${series.key}" stroke="${style.colour}" fill="${style.colour}">`,
      polylineSvg(at.map((a) => ({ x: px(a.gib), y: py(a.s) }))),
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
    const style = styleAt(i);
    const y = PLOT.top + 10 + i * 24;
    out.push(
      `<g stroke="${style.colour}" fill="${style.colour}"><line x1="${legendX}" y1="${y}" x2="${legendX + 28}" y2="${y}" stroke-width="2"/>${marker(style.marker, legendX + 14, y)}</g>`,
      `<text x="${legendX + 36}" y="${y + 4}">${xmlText(series.title)}</text>`,
    );
  });
  out.push(`</g>`, `</svg>`);
  return `${out.join("\n")}\n`;
}
