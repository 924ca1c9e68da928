import { stackedChartsSvg } from "../report/svg-chart";
import type { EstimatorName } from "./bootstrap";
import type { EvaluationResult } from "./evaluate";

const fixed = (value: number) => (Number.isFinite(value) ? value.toFixed(4) : "n/a");

/** The terminal table: one row per policy, one column per estimator, "value [lo, hi]". */
export function resultTable(result: EvaluationResult): string {
  const estimators = result.settings.estimators;
  const header = ["policy", ...estimators.map((e) => `${e} (n)`)];
  const rows = result.policies.map((policy) => [
    policy.name,
    ...estimators.map((e) => {
      const estimate = policy.estimates[e];
      if (estimate === undefined) return "";
      const clipped = estimate.clipped ? ` ${estimate.clipped} clipped` : "";
      return `${fixed(estimate.value)} [${fixed(estimate.ci[0])}, ${fixed(estimate.ci[1])}] (${estimate.n}${clipped})`;
    }),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** What was read, skipped and why, for the end of the run. */
export function logSummaryText(result: EvaluationResult, badLines: { skipped: number; problems: string[] }): string {
  const log = result.log;
  const lines = [
    `${log.rowsEvaluated} decisions evaluated (of ${log.rowsRead} rows read); ` +
      `mean logged reward ${fixed(log.meanReward)}; ` +
      `${log.uniformLogging ? "uniform" : "non-uniform"} logging propensities`,
  ];
  if (log.exactRows > 0)
    lines.push(`${log.exactRows} of them logged with their candidates and serving state: exact weights`);
  if (result.live) {
    const live = result.live;
    lines.push(
      `live reproduced the logged propensity on ${live.reproduced} of ${live.exactRows} exactly logged rows ` +
        `(max |π − μ| ${live.maxDifference.toExponential(1)})`,
    );
  }
  if (log.otherPositions > 0)
    lines.push(
      `${log.otherPositions} rows at a position other than 0 updated the session state but were not estimated`,
    );
  if (badLines.skipped > 0)
    lines.push(`${badLines.skipped} malformed lines skipped:`, ...badLines.problems.map((p) => `  ${p}`));
  if (badLines.skipped > badLines.problems.length)
    lines.push(`  … and ${badLines.skipped - badLines.problems.length} more`);
  if (log.unknownItems > 0)
    lines.push(`${log.unknownItems} rows skipped for items not in the catalog:`, ...log.problems.map((p) => `  ${p}`));
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines.join("\n");
}

/** The JSON report: log counts, then each policy's estimates with 95% intervals (curves left out). */
export function resultJson(
  result: EvaluationResult,
  extra: { source: string; badLines: { skipped: number; problems: string[] } },
): unknown {
  return {
    log: {
      source: extra.source,
      ...result.log,
      malformedLines: extra.badLines.skipped,
      malformedProblems: extra.badLines.problems,
    },
    settings: result.settings,
    policies: result.policies.map((p) => ({ name: p.name, estimates: p.estimates })),
    warnings: result.warnings,
    ...(result.live ? { live: result.live } : {}),
  };
}

/** The order the chart draws estimators in: on a log that is not uniform, the unbiased ones first. */
export function chartOrder(estimators: readonly EstimatorName[], uniformLogging: boolean): EstimatorName[] {
  const rank: Record<EstimatorName, number> = uniformLogging
    ? { replay: 0, ips: 1, snips: 2, dr: 3 }
    : { ips: 0, snips: 1, dr: 2, replay: 3 };
  return [...estimators].sort((a, b) => rank[a] - rank[b]);
}

const ESTIMATOR_TITLES: Record<EstimatorName, string> = {
  replay: "replay",
  ips: "IPS",
  snips: "SNIPS",
  dr: "doubly robust",
};

/**
 * The chart: one panel per estimator asked for (IPS, SNIPS, DR first when the log is not uniform,
 * where replay is biased), each policy's running estimate over the log with its 95% bootstrap band.
 * The y axes fit the later rows: a running estimate over the first few rows swings too far to share
 * an axis with the rest.
 */
export function resultChartSvg(result: EvaluationResult): string {
  const order = chartOrder(result.settings.estimators, result.log.uniformLogging);
  const panels = order.map((estimator) => {
    const biased = estimator === "replay" && !result.log.uniformLogging;
    const final = (p: EvaluationResult["policies"][number]) => {
      const value = p.estimates[estimator]?.value ?? Number.NaN;
      return Number.isFinite(value) ? value.toFixed(3) : "n/a";
    };
    return {
      series: result.policies.map((p) => ({
        name: `${legendName(p.name)}: ${final(p)}`,
        points: p.curves[estimator] ?? [],
        band: p.bands[estimator] ?? [],
      })),
      options: {
        title:
          `${ESTIMATOR_TITLES[estimator]}` +
          `${biased ? " (biased on this log: its propensities are not uniform)" : ""}`,
        legendWidth: 280,
        xLabel: "logged decisions replayed",
        yLabel: "estimated reward per decision",
        height: 380,
        robust: true,
      },
    };
  });
  const logging = result.log.uniformLogging ? "uniform logging" : "non-uniform logging (trust IPS, SNIPS, DR)";
  const resamples = Math.min(result.settings.bootstrap, 200);
  return stackedChartsSvg("Estimated reward over the log", panels, [
    `${result.log.rowsEvaluated.toLocaleString("en-US")} decisions, ${logging}`,
    `legend: the estimate over the whole log; band: 95% bootstrap interval (${resamples} resamples of users)`,
  ]);
}

/** A policy name short enough for the chart's legend: "linucb α=0.5 ε=0.05 +s +l". */
export function legendName(name: string): string {
  const short = name
    .replace("linucb:alpha=", "linucb α=")
    .replace(/[:,]epsilon=/, " ε=")
    .replace(",session=on", " +s")
    .replace(",session=off", " −s")
    .replace(",longterm=on", " +l")
    .replace(",longterm=off", " −l");
  return short.length > 26 ? `${short.slice(0, 25)}…` : short;
}
