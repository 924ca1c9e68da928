import { lineChartSvg } from "../report/svg-chart";
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
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** What was read, skipped and why, for the end of the run. */
export function logSummaryText(result: EvaluationResult, badLines: { skipped: number; problems: string[] }): string {
  const log = result.log;
  const lines = [
    `${log.rowsEvaluated} decisions evaluated (of ${log.rowsRead} rows read); mean logged reward ${fixed(log.meanReward)}; ${log.uniformLogging ? "uniform" : "non-uniform"} logging propensities`,
  ];
  if (log.otherPositions > 0) lines.push(`${log.otherPositions} rows at a position other than 0 updated the session state but were not estimated`);
  if (badLines.skipped > 0) lines.push(`${badLines.skipped} malformed lines skipped:`, ...badLines.problems.map((p) => `  ${p}`));
  if (badLines.skipped > badLines.problems.length) lines.push(`  … and ${badLines.skipped - badLines.problems.length} more`);
  if (log.unknownItems > 0) lines.push(`${log.unknownItems} rows skipped for items not in the catalog:`, ...log.problems.map((p) => `  ${p}`));
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines.join("\n");
}

/** The JSON report: log counts, then each policy's estimates with 95% intervals (curves left out). */
export function resultJson(result: EvaluationResult, extra: { source: string; badLines: { skipped: number; problems: string[] } }): unknown {
  return {
    log: { source: extra.source, ...result.log, malformedLines: extra.badLines.skipped, malformedProblems: extra.badLines.problems },
    settings: result.settings,
    policies: result.policies.map((p) => ({ name: p.name, estimates: p.estimates })),
    warnings: result.warnings,
  };
}

/** The chart: each policy's running estimate over the log, by the first estimator asked for. */
export function resultChartSvg(result: EvaluationResult, estimator: EstimatorName = result.settings.estimators[0]!): string {
  const series = result.policies.map((p) => ({ name: legendName(p.name), points: p.curves[estimator] ?? [] }));
  return lineChartSvg(series, { title: `Estimated reward over the log (${estimator})`, xLabel: "logged decisions replayed", yLabel: "estimated reward per decision" });
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
