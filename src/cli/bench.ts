import { InvalidArgumentError, type Command } from "commander";
import { seededRandom } from "../bandit/rng";
import { writeCatalogFile } from "../bench/catalog-file";
import { multiReportText, runBenchTargets } from "../bench/multi";
import { checkTarget, parseMix } from "../bench/options";
import { reportText } from "../bench/report";
import { runBench, type BenchOptions } from "../bench/run";

const integer = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number in ${min}..${max}`);
  return n;
};
const DEFAULT_TARGETS = ["127.0.0.1:50051"];
/** Turns a validation error into a usage error, so commander prints it and exits 2. */
const usage = (check: (value: string) => unknown) => (value: string) => {
  try {
    check(value);
    return value;
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
};
/** Accumulates --target values (variadic or repeated), dropping the default once one is given. */
const targets = (value: string, previous: string[] | undefined): string[] => {
  try {
    checkTarget(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
  return previous === undefined || previous === DEFAULT_TARGETS ? [value] : [...previous, value];
};
const share = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("must be a number in 0..1");
  return n;
};

/** The parsed flags: the run's options as commander names them, before defaults from the environment. */
type BenchFlags = Omit<BenchOptions, "target" | "durationS" | "ingest" | "baseline" | "progress" | "floorInline"> & {
  target: string[];
  duration: number;
  ingest?: boolean;
  baseline?: boolean;
  json?: boolean;
};

/** Runs `recs bench` with parsed flags; prints the report (text, or JSON with `json`). */
export async function runBenchCommand(flags: BenchFlags): Promise<void> {
  const { duration, json, target, ...rest } = flags;
  const options: Omit<BenchOptions, "target"> = {
    ...rest,
    durationS: duration,
    ingest: flags.ingest ?? false,
    baseline: flags.baseline ?? false,
    apiKey: flags.apiKey ?? process.env.RECS_API_KEY,
    databaseUrl: flags.databaseUrl ?? process.env.DATABASE_URL,
    redisUrl: flags.redisUrl ?? process.env.REDIS_URL,
    progress: !json && process.stderr.isTTY === true,
  };
  if (target.length === 1) {
    const report = await runBench({ ...options, target: target[0]! });
    console.log(json ? JSON.stringify(report, null, 2) : reportText(report));
    return;
  }
  const report = await runBenchTargets(options, target);
  console.log(json ? JSON.stringify(report, null, 2) : multiReportText(report));
}

/** Registers `recs bench` (load against a running server) and `recs bench-catalog` (a synthetic catalog file). */
export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description(
      "Closed-loop load against a running recs server on this machine, " +
        "optionally with the machine's floor for comparison",
    )
    .option(
      "--target <host:port...>",
      "servers to load (loopback only; several are loaded at once, each with the full load, and summed)",
      targets,
      DEFAULT_TARGETS,
    )
    .option(
      "--concurrency <n>",
      "concurrent workers, each waiting for its previous call",
      integer("--concurrency", 1, 1024),
      16,
    )
    .option(
      "--connections <n>",
      "HTTP/2 connections the load is spread over, the floor's too (one lands on one RECS_WORKERS process)",
      integer("--connections", 1, 64),
      1,
    )
    .option("--duration <s>", "seconds of load per phase", integer("--duration", 1, 600), 20)
    .option("--mix <mix>", "RPC shares: recommend, feedback, user_state", usage(parseMix), "recommend=0.8,feedback=0.2")
    .option("--ingest", "measure IngestFeedback (events/s acknowledged) instead of the unary mix")
    .option("--streams <n>", "concurrent IngestFeedback streams (--ingest)", integer("--streams", 1, 64), 4)
    .option(
      "--stream-events <n>",
      "events per IngestFeedback stream (--ingest)",
      integer("--stream-events", 1, 1_000_000),
      50_000,
    )
    .option(
      "--baseline",
      "also measure the floor: a bare gRPC call doing one Redis GET and one Postgres primary-key SELECT",
    )
    .option("--database-url <url>", "Postgres of the floor (default DATABASE_URL; loopback only)")
    .option("--redis-url <url>", "Redis of the floor (default REDIS_URL; loopback only)")
    .option("--json", "print the report as JSON")
    .option("--api-key <key>", "x-api-key for the server (default RECS_API_KEY)")
    .option(
      "--server-metrics <host:port>",
      "the server's RECS_METRICS_PORT (loopback): also report its CPU per call over the phase",
    )
    .option("--users <n>", "distinct shoppers", integer("--users", 1, 1_000_000), 1000)
    .option("--seed <n>", "seed of the workload's random choices", integer("--seed", 0, 2 ** 31 - 1), 1)
    .option("--k <n>", "items per recommendation", integer("--k", 1, 100), 10)
    .option("--catalog <file>", "upload this JSON Lines catalog through Catalog.UpsertItems first")
    .option("--answer-share <p>", "share of feedback events answering a recent recommendation", share, 0.9)
    .option(
      "--recommendations <n>",
      "recommendations made while seeding for feedback to answer (default: one per shopper, at most 200; " +
        "past ~5,000, most feedback misses the server's cache of recent contexts, as late clicks do)",
      integer("--recommendations", 1, 1_000_000),
    )
    .option(
      "--max-calls <n>",
      "hard cap on calls (or events) per phase",
      integer("--max-calls", 1, 100_000_000),
      20_000_000,
    )
    .option("--dim <n>", "embedding dimension of the floor's rows", integer("--dim", 2, 512), 32)
    .action(async (flags: BenchFlags) => runBenchCommand(flags));

  program
    .command("bench-catalog")
    .argument("<file>", "JSON Lines file to write (load it with `recs load-catalog FILE`)")
    .description("Write a synthetic catalog of random unit embeddings for benchmarks")
    .option("--items <n>", "number of items", integer("--items", 1, 10_000_000), 10_000)
    .option("--dim <n>", "embedding dimension", integer("--dim", 2, 512), 32)
    .option("--categories <n>", "number of categories", integer("--categories", 1, 10_000), 20)
    .option("--seed <n>", "random seed", integer("--seed", 0, 2 ** 31 - 1), 1)
    .action(async (file: string, flags: { items: number; dim: number; categories: number; seed: number }) => {
      const written = await writeCatalogFile(file, {
        items: flags.items,
        dim: flags.dim,
        categories: flags.categories,
        rng: seededRandom(flags.seed),
      });
      console.log(`${written} items of dimension ${flags.dim} written to ${file}`);
    });
}
