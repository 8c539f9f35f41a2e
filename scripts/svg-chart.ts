// Line charts as SVG text, for the pictures the docs show: the bench's scaling plot
// (bench/report/plot.ts) and the dashboard's (scripts/render-dashboard.ts). Pure: the same
// figures always give the same text, so a committed picture can be held to its data.

/** Told apart by colour and by marker, so a chart reads in grey too. */
export const STYLES = [
  { colour: "#1f77b4", marker: "circle" },
  { colour: "#2ca02c", marker: "square" },
  { colour: "#d62728", marker: "triangle" },
  { colour: "#9467bd", marker: "diamond" },
  { colour: "#ff7f0e", marker: "cross" },
] as const;

export type Style = (typeof STYLES)[number];

/** The style of the i-th series, the five repeating. */
export const styleAt = (i: number): Style => STYLES[i % STYLES.length] as Style;

export const xmlText = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** Coordinates with at most one decimal, so the file stays small and stable. */
export const coord = (x: number) => String(Math.round(x * 10) / 10);

/** Round steps (1, 2 or 5 times a power of ten) from 0 past `max`, about `count` of them. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const step = roundStep(max / count);
  const out: number[] = [];
  for (let i = 0; ; i++) {
    // Rounded, so that 0.1 × 3 prints as 0.3.
    const value = Number((i * step).toPrecision(12));
    out.push(value);
    if (value >= max) return out;
  }
}

/** The round step (1, 2 or 5 times a power of ten) at or above `raw`. */
function roundStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

/** Steps of `steps` (the first at or above the raw step) inside [min, max], for time axes. */
export function ticksWithin(min: number, max: number, steps: number[], count = 5): number[] {
  const raw = (max - min) / count;
  const step = steps.find((s) => s >= raw) ?? (steps.at(-1) as number);
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) out.push(t);
  return out;
}

export function marker(shape: Style["marker"], x: number, y: number): string {
  const r = 4.5;
  const n = coord;
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

/** Where a chart's plot area is, in the picture's coordinates. */
export interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A tick: its value on the axis and what is written under or beside it. */
export interface Tick {
  value: number;
  label: string;
}

export interface Axes {
  box: Box;
  /** Value to coordinate, per axis. */
  px: (x: number) => number;
  py: (y: number) => number;
  xTicks: Tick[];
  yTicks: Tick[];
  xTitle?: string;
  yTitle?: string;
}

/** The linear scale that maps [from, to] onto [a, b]. */
export function scale(from: number, to: number, a: number, b: number): (v: number) => number {
  const span = to - from || 1;
  return (v) => a + ((v - from) / span) * (b - a);
}

/** Horizontal grid lines, the two axes with their tick marks and labels, the axis titles. */
export function axesSvg(axes: Axes): string[] {
  const { box, px, py, xTicks, yTicks } = axes;
  const n = coord;
  const out = [
    `<g class="grid" stroke="#e4e4e4">`,
    ...yTicks.map(
      (t) =>
        `<line x1="${box.left}" y1="${n(py(t.value))}" x2="${box.right}" y2="${n(py(t.value))}"/>`,
    ),
    `</g>`,
    `<g class="axes" stroke="#333333">`,
    `<line x1="${box.left}" y1="${box.bottom}" x2="${box.right}" y2="${box.bottom}"/>`,
    `<line x1="${box.left}" y1="${box.top}" x2="${box.left}" y2="${box.bottom}"/>`,
    ...xTicks.map(
      (t) =>
        `<line x1="${n(px(t.value))}" y1="${box.bottom}" x2="${n(px(t.value))}" y2="${box.bottom + 5}"/>`,
    ),
    ...yTicks.map(
      (t) =>
        `<line x1="${box.left - 5}" y1="${n(py(t.value))}" x2="${box.left}" y2="${n(py(t.value))}"/>`,
    ),
    `</g>`,
    `<g class="x-ticks" text-anchor="middle">`,
    ...xTicks.map(
      (t) => `<text x="${n(px(t.value))}" y="${box.bottom + 19}">${xmlText(t.label)}</text>`,
    ),
    `</g>`,
    `<g class="y-ticks" text-anchor="end">`,
    ...yTicks.map(
      (t) => `<text x="${box.left - 8}" y="${n(py(t.value) + 4)}">${xmlText(t.label)}</text>`,
    ),
    `</g>`,
  ];
  if (axes.xTitle)
    out.push(
      `<text x="${(box.left + box.right) / 2}" y="${box.bottom + 42}" text-anchor="middle">${xmlText(axes.xTitle)}</text>`,
    );
  if (axes.yTitle)
    out.push(
      `<text transform="translate(${box.left - 46} ${(box.top + box.bottom) / 2}) rotate(-90)" text-anchor="middle">${xmlText(axes.yTitle)}</text>`,
    );
  return out;
}

/** A series' line through its points, already in the picture's coordinates. */
export function polylineSvg(points: { x: number; y: number }[]): string {
  return `<polyline fill="none" stroke-width="2" points="${points.map((p) => `${coord(p.x)},${coord(p.y)}`).join(" ")}"/>`;
}
