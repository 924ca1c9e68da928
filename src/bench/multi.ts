import { checkTarget } from "./options";
import { reportText, type BenchReport } from "./report";
import { runBench, type BenchOptions } from "./run";

/** Several targets loaded at once (replicas behind no balancer): each one's report and their sum. */
export interface MultiBenchReport {
  targets: BenchReport[];
  total: { targets: number; calls?: number; throughputPerS?: number; accepted?: number; acceptedPerS?: number };
}

/**
 * Runs `runBench` against every target at the same time, each with the full options (its own
 * workers, connections and workload, seed + index), and sums what they measured. The floor and
 * the server's metrics name one process, so they need a single target.
 */
export async function runBenchTargets(
  options: Omit<BenchOptions, "target">,
  targets: string[],
): Promise<MultiBenchReport> {
  if (targets.length === 0) throw new Error("--target: name at least one HOST:PORT");
  const checked = targets.map(checkTarget);
  if (checked.length > 1 && options.baseline)
    throw new Error("--baseline measures one floor: use it with one --target");
  if (checked.length > 1 && options.serverMetrics !== undefined)
    throw new Error("--server-metrics names one server: use it with one --target");
  const reports = await Promise.all(
    checked.map((target, i) =>
      runBench({ ...options, target, seed: options.seed + i, progress: options.progress && checked.length === 1 }),
    ),
  );
  const total: MultiBenchReport["total"] = { targets: reports.length };
  if (reports.every((r) => r.service)) {
    total.calls = reports.reduce((sum, r) => sum + r.service!.calls, 0);
    total.throughputPerS = reports.reduce((sum, r) => sum + r.service!.throughputPerS, 0);
  }
  if (reports.every((r) => r.ingest)) {
    total.accepted = reports.reduce((sum, r) => sum + r.ingest!.accepted, 0);
    total.acceptedPerS = reports.reduce((sum, r) => sum + r.ingest!.acceptedPerS, 0);
  }
  return { targets: reports, total };
}

/** Each target's report, then the total line. */
export function multiReportText(report: MultiBenchReport): string {
  const t = report.total;
  const parts = [
    t.calls !== undefined ? `${t.calls} calls, ${t.throughputPerS!.toFixed(0)} calls/s` : undefined,
    t.accepted !== undefined ? `${t.accepted} events acknowledged, ${t.acceptedPerS!.toFixed(0)} events/s` : undefined,
  ].filter((p) => p !== undefined);
  return [
    ...report.targets.map(reportText),
    `total over ${t.targets} targets (loaded at the same time): ${parts.join("; ")}`,
  ].join("\n\n");
}
