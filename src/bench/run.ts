import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { randomBytes } from "node:crypto";
import { Presets, SingleBar } from "cli-progress";
import { seededRandom } from "../bandit/rng";
import { RecsClient } from "../client/recs-client";
import type { Item } from "../server/generated/recs/v1/Item";
import { runClosedLoop } from "./closed-loop";
import { floorClient, startFloor } from "./floor";
import { runIngest } from "./ingest";
import { serverCpuSeconds } from "./server-cpu";
import { coresBusy, machineCpuTimes, type MachineCpuTimes } from "./machine-cpu";
import { checkLoopbackUrl, checkTarget, parseMix } from "./options";
import {
  compareWithFloor,
  cpuUse,
  ingestReport,
  phaseReport,
  type BenchReport,
  type CpuUse,
  type MachineCpuUse,
} from "./report";
import { StorefrontWorkload } from "./workload";

export interface BenchOptions {
  target: string;
  concurrency: number;
  durationS: number;
  mix: string;
  ingest: boolean;
  baseline: boolean;
  apiKey?: string;
  users: number;
  seed: number;
  k: number;
  /** JSON Lines catalog uploaded through Catalog.UpsertItems before the run. */
  catalog?: string;
  streams: number;
  streamEvents: number;
  answerShare: number;
  /** Recommendations made while seeding for feedback to answer (default one per shopper, at most 200). */
  recommendations?: number;
  maxCalls: number;
  databaseUrl?: string;
  redisUrl?: string;
  /** Embedding dimension of the floor's rows (match the service's). */
  dim: number;
  /** Draw a progress bar on stderr. */
  progress: boolean;
  /** Run the floor server on the calling thread instead of a worker thread. */
  floorInline?: boolean;
  /** The server's metrics endpoint (HOST:PORT): report its CPU per call over the measured phase. */
  serverMetrics?: string;
  /**
   * Connections the load is spread over (worker or stream i uses connection i mod N), the floor's too.
   * One HTTP/2 connection lands on one process of a `RECS_WORKERS` server.
   */
  connections?: number;
}

/** Runs the whole benchmark against a running service (and the floor, with `baseline`). */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const target = checkTarget(options.target);
  const mix = parseMix(options.mix);
  if (options.baseline) {
    if (!options.databaseUrl || !options.redisUrl)
      throw new Error(
        "--baseline needs Postgres and Redis: set DATABASE_URL and REDIS_URL, or pass --database-url and --redis-url",
      );
    checkLoopbackUrl("--database-url", options.databaseUrl);
    checkLoopbackUrl("--redis-url", options.redisUrl);
  }
  const metrics = options.serverMetrics === undefined ? undefined : checkTarget(options.serverMetrics);
  const rng = seededRandom(options.seed);
  const client = new RecsClient(target, { apiKey: options.apiKey, timeoutMs: 10_000 });
  const connectionCount = options.connections ?? 1;
  const connections =
    connectionCount <= 1
      ? [client]
      : Array.from(
          { length: connectionCount },
          () => new RecsClient(target, { apiKey: options.apiKey, timeoutMs: 10_000, ownConnection: true }),
        );
  const report: BenchReport = {
    target,
    concurrency: options.concurrency,
    connections: connectionCount,
    durationS: options.durationS,
    mix: { ...mix },
    answerShare: options.answerShare,
    users: options.users,
    k: options.k,
    seed: options.seed,
    machine: { cpus: cpus().length, loadAverage1m: loadavg()[0] ?? 0, node: process.version },
    seeding: { itemsDiscovered: 0, recommendations: 0, eventsAccepted: 0 },
  };
  try {
    if (options.catalog) {
      const summary = await client.upsertItems(catalogItems(options.catalog));
      if (Number(summary.upserted) === 0)
        throw new Error(
          `--catalog ${options.catalog}: no item was accepted (${summary.rejections[0]?.reason ?? "empty file"})`,
        );
    }
    const workload = new StorefrontWorkload(
      client,
      {
        users: options.users,
        k: options.k,
        mix,
        answerShare: options.answerShare,
        recommendations: options.recommendations,
        rng,
      },
      connections,
    );
    report.seeding = await workload.seed();
    const durationMs = options.durationS * 1000;

    const cpuBefore = metrics === undefined ? 0 : await serverCpuSeconds(metrics);
    const machineBefore = machineCpuTimes();
    if (options.ingest) {
      const result = await withProgress(options.progress, "ingest", durationMs, (onProgress) =>
        runIngest(connections, () => workload.feedbackEvent(), {
          streams: options.streams,
          eventsPerStream: options.streamEvents,
          durationMs,
          maxEvents: options.maxCalls,
          onProgress,
        }),
      );
      report.ingest = ingestReport(result, options.streams, options.streamEvents);
    } else {
      const result = await withProgress(options.progress, "service", durationMs, (onProgress) =>
        runClosedLoop(
          { concurrency: options.concurrency, durationMs, maxCalls: options.maxCalls, onProgress },
          (worker) => workload.next(worker),
        ),
      );
      report.service = phaseReport(result);
    }
    const machineAfter = machineCpuTimes();
    const units = report.ingest ? report.ingest.accepted : report.service!.calls;
    const per = report.ingest ? "event" : "call";
    report.machineCpu = machineCpuUse(machineBefore, machineAfter, units, per, report.machine.cpus);
    if (metrics !== undefined) report.serverCpu = cpuUse((await serverCpuSeconds(metrics)) - cpuBefore, units, per);

    if (options.baseline) {
      const floor = await startFloor(
        {
          databaseUrl: options.databaseUrl!,
          redisUrl: options.redisUrl!,
          keys: options.users,
          tag: randomBytes(4).toString("hex"),
          dim: options.dim,
        },
        options.floorInline,
      );
      const probe = floorClient(floor.port, connectionCount);
      try {
        const floorMachineBefore = machineCpuTimes();
        const result = await withProgress(options.progress, "floor", durationMs, (onProgress) =>
          runClosedLoop(
            { concurrency: options.concurrency, durationMs, maxCalls: options.maxCalls, onProgress },
            (worker) => {
              const index = Math.floor(rng() * options.users);
              return { rpc: "FloorProbe", run: () => probe.probe(index, worker) };
            },
          ),
        );
        report.floor = phaseReport(result);
        report.floorMachineCpu = machineCpuUse(
          floorMachineBefore,
          machineCpuTimes(),
          report.floor.calls,
          "call",
          report.machine.cpus,
        );
        if (report.service) {
          const machine =
            report.machineCpu && report.floorMachineCpu
              ? { service: report.machineCpu, floor: report.floorMachineCpu }
              : undefined;
          report.vsFloor = compareWithFloor(report.service, report.floor, machine);
        }
      } finally {
        probe.close();
        await floor.close();
      }
    }
    return report;
  } finally {
    for (const connection of new Set([client, ...connections])) connection.close();
  }
}

/** The machine's CPU between two readings (undefined where /proc/stat is not). */
function machineCpuUse(
  before: MachineCpuTimes | null,
  after: MachineCpuTimes | null,
  units: number,
  per: CpuUse["per"],
  cpus: number,
): MachineCpuUse | undefined {
  if (!before || !after) return undefined;
  return { ...cpuUse(after.busyS - before.busyS, units, per), coresBusy: coresBusy(before, after, cpus) };
}

/** Items of a load-catalog JSON Lines file, as wire messages (the server validates them). */
function* catalogItems(path: string): Generator<Item> {
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const raw = JSON.parse(line) as {
      item_id?: string;
      embedding?: number[];
      category?: string;
      attributes?: Record<string, string>;
      available?: boolean;
    };
    yield {
      itemId: raw.item_id ?? "",
      embedding: raw.embedding ?? [],
      category: raw.category ?? "",
      attributes: raw.attributes ?? {},
      ...(raw.available === undefined ? {} : { available: raw.available }),
    };
  }
}

async function withProgress<T>(
  enabled: boolean,
  phase: string,
  durationMs: number,
  run: (onProgress?: (done: number, elapsedMs: number) => void) => Promise<T>,
): Promise<T> {
  if (!enabled) return run();
  const bar = new SingleBar(
    {
      format: `${phase.padEnd(7)} |{bar}| {elapsed_s}/{total_s} s | {done} done | {rate}/s`,
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  bar.start(durationMs, 0, { elapsed_s: 0, total_s: durationMs / 1000, done: 0, rate: 0 });
  try {
    return await run((done, elapsedMs) =>
      bar.update(Math.min(elapsedMs, durationMs), {
        elapsed_s: (elapsedMs / 1000).toFixed(0),
        done,
        rate: elapsedMs > 0 ? Math.round((done * 1000) / elapsedMs) : 0,
      }),
    );
  } finally {
    bar.stop();
  }
}
