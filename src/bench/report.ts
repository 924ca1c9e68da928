import type { LoopResult } from "./closed-loop";
import type { HistogramRow, LatencySummary } from "./histogram";
import { LatencyHistogram } from "./histogram";
import type { IngestResult } from "./ingest";

export interface RpcReport {
  rpc: string;
  calls: number;
  ok: number;
  failed: number;
  throughputPerS: number;
  latencyMs: LatencySummary;
}

/** One closed-loop phase (the service, or the floor). */
export interface PhaseReport {
  elapsedS: number;
  calls: number;
  throughputPerS: number;
  rpcs: RpcReport[];
  errors: Record<string, number>;
  histogram: HistogramRow[];
}

export interface IngestReport {
  streams: number;
  eventsPerStream: number;
  elapsedS: number;
  streamsCompleted: number;
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  acceptedPerS: number;
  streamLatencyMs: LatencySummary;
  errors: Record<string, number>;
}

export interface BenchReport {
  target: string;
  concurrency: number;
  /** HTTP/2 connections the load was spread over. */
  connections: number;
  durationS: number;
  mix: Record<string, number>;
  /** Share of feedback events answering a recent recommendation (the rest are organic clicks). */
  answerShare: number;
  users: number;
  k: number;
  seed: number;
  machine: { cpus: number; loadAverage1m: number; node: string };
  seeding: { itemsDiscovered: number; recommendations: number; eventsAccepted: number };
  service?: PhaseReport;
  ingest?: IngestReport;
  floor?: PhaseReport;
  /**
   * The service as a multiple of the floor: throughput (higher is better), p99 per RPC (lower is better)
   * and, where both phases' machine CPU is known, the machine's CPU per call (lower is better).
   */
  vsFloor?: { throughput: number; p99: Record<string, number>; machineCpuPerCall?: number };
  /** With --server-metrics: the server's CPU over the measured phase, and per call (or per event acknowledged). */
  serverCpu?: CpuUse;
  /**
   * Where /proc/stat exists: the whole machine's CPU over the measured phase (every process on it: the
   * server, Postgres, Redis, this load generator), cores busy on average, and per call or event. With all
   * of them on one machine it says what a target costs: N events/s on C cores leave C/N s per event.
   */
  machineCpu?: MachineCpuUse;
  /** The same over the floor's phase: what one floor call costs the machine. */
  floorMachineCpu?: MachineCpuUse;
}

/** The whole machine's CPU over a phase, and how many of its cores that kept busy on average. */
export type MachineCpuUse = CpuUse & { coresBusy: number };

/** CPU seconds spent over a phase, and per call (or per event acknowledged). */
export interface CpuUse {
  seconds: number;
  perUnitMs: number;
  per: "call" | "event";
}

/** CPU `seconds` over a phase that did `units` calls (or, for ingest, acknowledged `units` events). */
export function cpuUse(seconds: number, units: number, per: CpuUse["per"]): CpuUse {
  return { seconds, perUnitMs: units > 0 ? (seconds * 1000) / units : Number.NaN, per };
}

function perUnitText(c: CpuUse): string {
  return c.per === "event"
    ? `${(c.perUnitMs * 1000).toFixed(0)} µs per event`
    : `${c.perUnitMs.toFixed(3)} ms per call`;
}

export function phaseReport(result: LoopResult): PhaseReport {
  const all = new LatencyHistogram();
  const rpcs: RpcReport[] = [];
  for (const [rpc, stats] of [...result.byRpc.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    all.merge(stats.latency);
    rpcs.push({
      rpc,
      calls: stats.latency.count,
      ok: stats.ok,
      failed: stats.failed,
      throughputPerS: stats.latency.count / result.elapsedS,
      latencyMs: stats.latency.summary(),
    });
  }
  return {
    elapsedS: result.elapsedS,
    calls: result.calls,
    throughputPerS: result.calls / result.elapsedS,
    rpcs,
    errors: Object.fromEntries(result.errors),
    histogram: all.rows(),
  };
}

export function ingestReport(result: IngestResult, streams: number, eventsPerStream: number): IngestReport {
  const { streamLatency, errors, ...rest } = result;
  return {
    streams,
    eventsPerStream,
    ...rest,
    streamLatencyMs: streamLatency.summary(),
    errors: Object.fromEntries(errors),
  };
}

/**
 * Throughput ratio of the whole phase, p99 ratio of each RPC against the floor's p99, and (given both
 * phases' machine CPU) how many floor calls' worth of the machine's CPU one service call costs.
 */
export function compareWithFloor(
  service: PhaseReport,
  floor: PhaseReport,
  machine?: { service: CpuUse; floor: CpuUse },
): NonNullable<BenchReport["vsFloor"]> {
  const floorP99 = floor.rpcs[0]?.latencyMs.p99Ms ?? 0;
  const p99: Record<string, number> = {};
  for (const rpc of service.rpcs) p99[rpc.rpc] = floorP99 > 0 ? rpc.latencyMs.p99Ms / floorP99 : 0;
  const comparison: NonNullable<BenchReport["vsFloor"]> = {
    throughput: floor.throughputPerS > 0 ? service.throughputPerS / floor.throughputPerS : 0,
    p99,
  };
  if (machine && machine.floor.perUnitMs > 0 && Number.isFinite(machine.service.perUnitMs))
    comparison.machineCpuPerCall = machine.service.perUnitMs / machine.floor.perUnitMs;
  return comparison;
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

function phaseText(title: string, phase: PhaseReport): string[] {
  const lines = [
    `${title}: ${phase.calls} calls in ${phase.elapsedS.toFixed(1)} s = ${phase.throughputPerS.toFixed(0)} calls/s`,
  ];
  lines.push(
    `  ${"rpc".padEnd(14)}${"calls".padStart(9)}${"failed".padStart(8)}${"calls/s".padStart(9)}` +
      `${"p50 ms".padStart(9)}${"p95 ms".padStart(9)}${"p99 ms".padStart(9)}${"max ms".padStart(9)}`,
  );
  for (const r of phase.rpcs) {
    const l = r.latencyMs;
    lines.push(
      `  ${r.rpc.padEnd(14)}${String(r.calls).padStart(9)}${String(r.failed).padStart(8)}` +
        `${r.throughputPerS.toFixed(0).padStart(9)}${ms(l.p50Ms).padStart(9)}${ms(l.p95Ms).padStart(9)}` +
        `${ms(l.p99Ms).padStart(9)}${ms(l.maxMs).padStart(9)}`,
    );
  }
  const errors = Object.entries(phase.errors);
  lines.push(
    errors.length === 0 ? "  errors: none" : `  errors: ${errors.map(([code, n]) => `${code} ${n}`).join(", ")}`,
  );
  lines.push("  latency histogram (all RPCs):");
  const peak = Math.max(1, ...phase.histogram.map((r) => r.count));
  for (const row of phase.histogram) {
    const share = phase.calls > 0 ? (100 * row.count) / phase.calls : 0;
    lines.push(
      `    ≤ ${`${row.upToMs} ms`.padStart(9)} ${String(row.count).padStart(8)} ${share.toFixed(1).padStart(5)}% ` +
        `${"█".repeat(Math.round((40 * row.count) / peak))}`,
    );
  }
  return lines;
}

function machineCpuText(c: MachineCpuUse, cpus: number): string {
  return (
    `this machine's CPU over the phase (/proc/stat, every process): ${c.coresBusy.toFixed(2)} of ${cpus} ` +
    `cores busy, ${c.seconds.toFixed(2)} s = ${perUnitText(c)}`
  );
}

/** The human-readable report. */
export function reportText(report: BenchReport): string {
  const mix = Object.entries(report.mix)
    .filter(([, w]) => w > 0)
    .map(([rpc, w]) => `${rpc}=${w.toFixed(2)}`)
    .join(",");
  const lines = [
    report.ingest
      ? `recs bench → ${report.target}: IngestFeedback, ${report.durationS} s, ` +
        `${Math.round(report.answerShare * 100)}% of events answering a recommendation, ` +
        `${report.users} users, seed ${report.seed}`
      : `recs bench → ${report.target}: concurrency ${report.concurrency}` +
        `${report.connections > 1 ? ` over ${report.connections} connections` : ""}, ${report.durationS} s, ` +
        `mix ${mix}, ${report.users} users, k ${report.k}, seed ${report.seed}`,
    `machine: ${report.machine.cpus} CPUs, load average ${report.machine.loadAverage1m.toFixed(2)} before the run, ` +
      `node ${report.machine.node}`,
    `seeded: ${report.seeding.itemsDiscovered} items discovered, ${report.seeding.recommendations} ` +
      `recommendations for feedback to answer, ${report.seeding.eventsAccepted} organic events`,
  ];
  if (report.service) lines.push("", ...phaseText("service", report.service));
  if (report.ingest) {
    const i = report.ingest;
    lines.push(
      "",
      `IngestFeedback: ${i.accepted} events acknowledged in ${i.elapsedS.toFixed(1)} s ` +
        `= ${i.acceptedPerS.toFixed(0)} events/s (${i.streams} concurrent streams of ${i.eventsPerStream})`,
      `  streams completed ${i.streamsCompleted}, sent ${i.sent}, duplicates ${i.duplicates}, ` +
        `rejected ${i.rejected}; per-stream p50 ${ms(i.streamLatencyMs.p50Ms)} ms, ` +
        `max ${ms(i.streamLatencyMs.maxMs)} ms`,
      `  errors: ${
        Object.entries(i.errors)
          .map(([code, n]) => `${code} ${n}`)
          .join(", ") || "none"
      }`,
    );
  }
  if (report.serverCpu) {
    const c = report.serverCpu;
    lines.push(`server CPU over the phase (its /metrics): ${c.seconds.toFixed(2)} s = ${perUnitText(c)}`);
  }
  if (report.machineCpu) lines.push(machineCpuText(report.machineCpu, report.machine.cpus));
  if (report.floor)
    lines.push("", ...phaseText("floor (bare gRPC + 1 Redis GET + 1 Postgres PK SELECT)", report.floor));
  if (report.floorMachineCpu) lines.push(machineCpuText(report.floorMachineCpu, report.machine.cpus));
  if (report.vsFloor) {
    const v = report.vsFloor;
    lines.push(
      "",
      `service / floor: throughput ${v.throughput.toFixed(2)}×, p99 ${Object.entries(v.p99)
        .map(([rpc, r]) => `${rpc} ${r.toFixed(2)}×`)
        .join(", ")}`,
    );
    if (v.machineCpuPerCall !== undefined) {
      lines.push(
        `  the machine's CPU per call: ${v.machineCpuPerCall.toFixed(2)}× the floor's, ` +
          `so with as many cores busy as the floor kept, the service would reach ` +
          `at most ${(1 / v.machineCpuPerCall).toFixed(2)}× its throughput`,
      );
    }
  }
  return lines.join("\n");
}
