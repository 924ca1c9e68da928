import { describe, expect, it } from "vitest";
import { chartOrder } from "../../src/eval/report";
import { lineChartSvg, stackedChartsSvg } from "../../src/report/svg-chart";

/** The y-axis tick labels of a chart, as numbers. */
const yTicks = (svg: string) =>
  [...svg.matchAll(/<text x="64" y="[\d.]+" text-anchor="end">([^<]+)<\/text>/g)].map((m) =>
    Number(m[1]!.replace(/,/g, "")),
  );

describe("lineChartSvg", () => {
  // A running estimate: wild over the first rows, then settled near 0.05.
  const points: Array<[number, number]> = Array.from({ length: 100 }, (_, i) => [
    i + 1,
    i < 3 ? 8 - i : 0.05 + 0.01 * Math.sin(i),
  ]);
  const band: Array<[number, number, number]> = points
    .filter((_, i) => i % 10 === 9)
    .map(([x, v]) => [x, v - 0.01, v + 0.01]);

  it("fits a robust y axis to the later points and says that earlier ones are cut", () => {
    const svg = lineChartSvg([{ name: "policy", points, band }], {
      title: "t",
      xLabel: "x",
      yLabel: "y",
      robust: true,
    });
    const ticks = yTicks(svg);
    expect(Math.max(...ticks)).toBeLessThan(0.1);
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(0.02);
    expect(svg).toContain("earlier swings are cut off");
    // The lines are clipped to the plot, not drawn over the title.
    expect(svg).toMatch(/<clipPath id="plot-t"><rect x="70" y="40"/);
    expect(svg).toContain('<g clip-path="url(#plot-t)">');
    expect(svg.match(/<polygon /g)).toHaveLength(1);
  });

  it("without robust, the axis spans every value", () => {
    const svg = lineChartSvg([{ name: "policy", points }], { title: "t", xLabel: "x", yLabel: "y" });
    expect(Math.max(...yTicks(svg))).toBeGreaterThanOrEqual(8);
    expect(svg).not.toContain("cut off");
  });

  it("stacks panels in one document, each with its own clip", () => {
    const panel = (title: string) => ({
      series: [{ name: "a", points }],
      options: { title, xLabel: "x", yLabel: "y", height: 300 },
    });
    const svg = stackedChartsSvg("all", [panel("one"), panel("two")], ["a note"]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="820" height="658"/);
    expect(svg).toContain('<svg y="58" ');
    expect(svg).toContain('<svg y="358" ');
    expect(svg).toContain('clipPath id="plot-one"');
    expect(svg).toContain('clipPath id="plot-two"');
  });
});

describe("chartOrder", () => {
  it("leads with IPS, SNIPS and DR on a log that is not uniform, replay last", () => {
    expect(chartOrder(["replay", "ips", "snips", "dr"], false)).toEqual(["ips", "snips", "dr", "replay"]);
    expect(chartOrder(["dr", "replay"], false)).toEqual(["dr", "replay"]);
    expect(chartOrder(["dr", "replay", "ips"], true)).toEqual(["replay", "ips", "dr"]);
  });
});
