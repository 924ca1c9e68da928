/** One line of a chart. */
export interface ChartSeries {
  name: string;
  points: Array<[number, number]>;
  /** Optional shaded band (e.g. a confidence interval), same x values as `points`. */
  band?: Array<[number, number, number]>;
}

export interface LineChartOptions {
  title: string;
  /** A line under the title: the headline figure, or how to read the chart. */
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /**
   * Take the y range from the points past the first `robustFrom` of the x range (default 0.1), between
   * their 2% and 98% quantiles, so an early spike (running estimates over few rows swing wildly) does
   * not flatten the rest; what falls outside is cut at the plot's edge and a note says so.
   */
  robust?: boolean;
  robustFrom?: number;
  /** Room on the right for the legend, in pixels (default 240). */
  legendWidth?: number;
  /** Draw a horizontal reference line at this value (e.g. 0). */
  reference?: number;
}

const COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Round, readable tick values covering [min, max]. */
function ticks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const format = (v: number) =>
  Math.abs(v) >= 1000 ? v.toLocaleString("en-US", { maximumFractionDigits: 0 }) : String(Number(v.toPrecision(3)));

/** Sorted finite values' q-quantile, linearly interpolated. */
function quantileOf(sorted: readonly number[], q: number): number {
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower]! + (position - lower) * (sorted[upper]! - sorted[lower]!);
}

/** The y range: every value, or (robust) the middle 96% of the values past the chart's start. */
function yRange(
  series: ChartSeries[],
  options: LineChartOptions,
  xMin: number,
  xMax: number,
): { min: number; max: number; cut: boolean } {
  const valuesFrom = (from: number) =>
    series
      .flatMap((s) => [
        ...s.points.filter((p) => p[0] >= from).map((p) => p[1]),
        ...(s.band ?? []).filter((b) => b[0] >= from).flatMap((b) => [b[1], b[2]]),
      ])
      .filter(Number.isFinite);
  const all = valuesFrom(-Infinity);
  let min = Math.min(...all, options.reference ?? all[0] ?? 0);
  let max = Math.max(...all, options.reference ?? all[0] ?? 0);
  let cut = false;
  if (options.robust) {
    const later = valuesFrom(xMin + (options.robustFrom ?? 0.1) * (xMax - xMin)).sort((a, b) => a - b);
    if (later.length >= 2) {
      const low = Math.min(quantileOf(later, 0.02), options.reference ?? Infinity);
      const high = Math.max(quantileOf(later, 0.98), options.reference ?? -Infinity);
      cut = min < low || max > high;
      min = low;
      max = high;
    }
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, cut };
  if (max === min) max = min + (Math.abs(min) || 1) * 0.1;
  const pad = (max - min) * 0.06;
  return { min: min - pad, max: max + pad, cut };
}

/** A self-contained SVG line chart (no dependencies), with a legend and optional bands. */
export function lineChartSvg(series: ChartSeries[], options: LineChartOptions): string {
  const width = options.width ?? 820;
  const height = options.height ?? 460;
  const margin = { left: 70, right: options.legendWidth ?? 240, top: options.subtitle ? 58 : 40, bottom: 55 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, 1);
  const { min: yMin, max: yMax, cut } = yRange(series, options, xMin, xMax);
  // Named after the title: stable output, and distinct for the charts stacked in one document.
  const clipId = `plot-${options.title.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60)}`;
  const x = (v: number) => margin.left + ((v - xMin) / (xMax - xMin || 1)) * plotW;
  const y = (v: number) => margin.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<defs><clipPath id="${clipId}"><rect x="${margin.left}" y="${margin.top}" width="${plotW}" ` +
      `height="${plotH}"/></clipPath></defs>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin.left + plotW / 2}" y="22" text-anchor="middle" font-size="15" ` +
      `font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  // Centred on the whole width: a headline is often wider than the plot.
  if (options.subtitle)
    parts.push(
      `<text x="${width / 2}" y="42" text-anchor="middle" font-size="13">${escapeXml(options.subtitle)}</text>`,
    );
  for (const t of ticks(yMin, yMax)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(t) + 4}" text-anchor="end">${format(t)}</text>`);
  }
  for (const t of ticks(xMin, xMax)) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" stroke="#333"/>`,
    );
    parts.push(`<text x="${x(t)}" y="${margin.top + plotH + 18}" text-anchor="middle">${format(t)}</text>`);
  }
  if (options.reference !== undefined)
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(options.reference)}" ` +
        `y2="${y(options.reference)}" stroke="#999" stroke-dasharray="4 3"/>`,
    );
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
  );
  parts.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" ` +
      `text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  if (cut)
    parts.push(
      `<text x="${margin.left + plotW - 4}" y="${margin.top + 14}" text-anchor="end" font-size="11" ` +
        `fill="#666">y axis fits the later points; earlier swings are cut off</text>`,
    );
  const plotted: string[] = [];
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const band = (s.band ?? []).filter((b) => Number.isFinite(b[1]) && Number.isFinite(b[2]));
    if (band.length > 1) {
      const upper = band.map((b) => `${x(b[0]).toFixed(1)},${y(b[2]).toFixed(1)}`);
      const lower = band.map((b) => `${x(b[0]).toFixed(1)},${y(b[1]).toFixed(1)}`).reverse();
      plotted.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${color}" opacity="0.15"/>`);
    }
    const path = s.points
      .filter((p) => Number.isFinite(p[1]))
      .map((p, j) => `${j === 0 ? "M" : "L"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`);
    if (path.length > 0) plotted.push(`<path d="${path.join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const ly = margin.top + 10 + i * 20;
    parts.push(
      `<line x1="${margin.left + plotW + 12}" x2="${margin.left + plotW + 34}" y1="${ly}" y2="${ly}" ` +
        `stroke="${color}" stroke-width="3"/>`,
    );
    parts.push(`<text x="${margin.left + plotW + 40}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  parts.push(`<g clip-path="url(#${clipId})">`, ...plotted, "</g>");
  parts.push("</svg>");
  return parts.join("\n");
}

/** Charts stacked top to bottom in one SVG, under one title and note lines (each chart keeps its own axes). */
export function stackedChartsSvg(
  title: string,
  charts: Array<{ series: ChartSeries[]; options: LineChartOptions }>,
  note: string[] = [],
): string {
  const width = Math.max(...charts.map((c) => c.options.width ?? 820), 820);
  const header = 36 + 18 * note.length + (note.length > 0 ? 4 : 0);
  let offset = header;
  const parts: string[] = [];
  for (const chart of charts) {
    const height = chart.options.height ?? 460;
    parts.push(lineChartSvg(chart.series, { ...chart.options, width }).replace("<svg ", `<svg y="${offset}" `));
    offset += height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${offset}" ` +
      `viewBox="0 0 ${width} ${offset}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(title)}</text>`,
    ...note.map(
      (line, i) =>
        `<text x="${width / 2}" y="${46 + 18 * i}" text-anchor="middle" font-size="12" ` +
        `fill="#444">${escapeXml(line)}</text>`,
    ),
    ...parts,
    "</svg>",
  ].join("\n");
}
