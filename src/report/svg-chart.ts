/** One line of a chart. */
export interface ChartSeries {
  name: string;
  points: Array<[number, number]>;
  /** Optional shaded band (e.g. a confidence interval), same x values as `points`. */
  band?: Array<[number, number, number]>;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

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

const format = (v: number) => (Math.abs(v) >= 1000 ? v.toLocaleString("en-US", { maximumFractionDigits: 0 }) : String(Number(v.toPrecision(3))));

/** A self-contained SVG line chart (no dependencies), with a legend and optional bands. */
export function lineChartSvg(series: ChartSeries[], options: LineChartOptions): string {
  const width = options.width ?? 820;
  const height = options.height ?? 460;
  const margin = { left: 70, right: 240, top: 40, bottom: 55 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => [...s.points.map((p) => p[1]), ...(s.band ?? []).flatMap((b) => [b[1], b[2]])]).filter(Number.isFinite);
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, 1);
  let yMin = Math.min(...ys, 0);
  let yMax = Math.max(...ys, 0);
  if (yMax === yMin) yMax = yMin + 1;
  const pad = (yMax - yMin) * 0.05;
  yMax += pad;
  if (yMin < 0) yMin -= pad;
  const x = (v: number) => margin.left + ((v - xMin) / (xMax - xMin || 1)) * plotW;
  const y = (v: number) => margin.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin.left + plotW / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (const t of ticks(yMin, yMax)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(t) + 4}" text-anchor="end">${format(t)}</text>`);
  }
  for (const t of ticks(xMin, xMax)) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" stroke="#333"/>`);
    parts.push(`<text x="${x(t)}" y="${margin.top + plotH + 18}" text-anchor="middle">${format(t)}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (s.band && s.band.length > 1) {
      const upper = s.band.map((b) => `${x(b[0]).toFixed(1)},${y(b[2]).toFixed(1)}`);
      const lower = s.band.map((b) => `${x(b[0]).toFixed(1)},${y(b[1]).toFixed(1)}`).reverse();
      parts.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${color}" opacity="0.15"/>`);
    }
    const path = s.points.filter((p) => Number.isFinite(p[1])).map((p, j) => `${j === 0 ? "M" : "L"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`);
    if (path.length > 0) parts.push(`<path d="${path.join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const ly = margin.top + 10 + i * 20;
    parts.push(`<line x1="${margin.left + plotW + 12}" x2="${margin.left + plotW + 34}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${margin.left + plotW + 40}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
