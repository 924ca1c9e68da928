import { Presets, SingleBar } from "cli-progress";
import { InvalidArgumentError, type Command } from "commander";
import { statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { modelPrior, type Config } from "../config";
import { ESTIMATOR_NAMES, type EstimatorName } from "../eval/bootstrap";
import { approximateWarning, catalogFromStore, DB_SOURCE, decisionsFromStore } from "../eval/db-source";
import { evaluate, type EvaluationResult, type PolicyDefinition } from "../eval/evaluate";
import { createReadReport, readCatalog, readLog, type LoggedDecision } from "../eval/log-format";
import { LivePolicy, liveWarnings, type LiveAgreement, type LiveSettings } from "../eval/live-policy";
import { ModelUpdateFeed } from "../eval/model-update-feed";
import { parsePolicyArg, parsePolicySpec, type EvalPolicySpec, type PolicyArg } from "../eval/policy-spec";
import { logSummaryText, resultChartSvg, resultJson, resultTable } from "../eval/report";
import { parseSurfaceSettings } from "../engine/surface-settings";
import { checkSurface } from "../engine/surfaces";
import type { SurfaceSettingsRecord } from "../state/ports";
import { openDurable } from "./data-commands";
import { wholeNumber } from "./option-values";
import { reportingUsageErrors } from "./usage-errors";

export interface EvaluateFlags {
  catalog?: string;
  log?: string;
  policy: PolicyArg[];
  estimator: EstimatorName[];
  clip?: number;
  bootstrap: number;
  seed: number;
  json?: string;
  chart?: string;
  strict?: boolean;
  limit?: number;
  fromDb?: boolean;
  /** With --from-db: whose impressions and model (default "default"). */
  surface?: string;
  /** With --from-db: only impressions after this time (epoch ms; `recs promote --since`). */
  sinceMs?: number;
  progress?: boolean;
}

/** Where the command writes and what environment it reads (tests pass their own). */
export interface EvaluateIo {
  out(text: string): void;
  /** The progress bar's stream. */
  progress: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const defaultIo: EvaluateIo = { out: (text) => console.log(text), progress: process.stderr, env: process.env };

const DEFAULT_POLICIES = [
  "random",
  "popularity",
  "egreedy:epsilon=0.1",
  "linucb:alpha=0.5,epsilon=0.05,session=on,longterm=on",
];

/** `recs evaluate`: offline evaluation of target policies on a logged-decision file or the service's own event log. */
export function registerEvaluateCommand(program: Command, io: EvaluateIo = defaultIo): void {
  const command = program
    .command("evaluate")
    .description(
      "Estimate what target policies would earn from logged decisions: replay, IPS, SNIPS and doubly robust, " +
        "with 95% bootstrap intervals",
    )
    .option("--catalog <file>", "catalog JSON Lines (.gz read gzipped)")
    .option("--log <file>", "logged decisions, JSON Lines (.gz read gzipped)")
    .option(
      "--from-db",
      "read the service's own event log and catalog (DATABASE_URL, else the embedded store under RECS_DATA_DIR)",
    )
    .option(
      "--policy <spec>",
      `target policy, repeatable (default: ${DEFAULT_POLICIES.join(" ")})`,
      collect(parsePolicyFlag),
      [],
    )
    .option(
      "--estimator <name>",
      `estimator, repeatable: ${ESTIMATOR_NAMES.join(", ")} (default: all)`,
      collect(parseEstimatorFlag),
      [],
    )
    .option("--clip <w>", "clip importance weights at W (IPS, SNIPS, DR); clipped rows are counted", positiveNumber)
    .option("--bootstrap <n>", "bootstrap resamples for the 95% intervals", wholeNumber("--bootstrap", 10), 200)
    .option("--seed <s>", "seed of the policies' exploration and of the bootstrap", wholeNumber("--seed", 0), 1)
    .option("--json <out>", "write the report as JSON")
    .option("--chart <out.svg>", "write the chart of estimated reward over the log (SVG)")
    .option("--strict", "stop at the first malformed line (file:line: field) instead of skipping it")
    .option("--limit <n>", "evaluate at most N decisions", wholeNumber("--limit", 1))
    .option("--surface <name>", "with --from-db: the surface whose impressions and model to evaluate", "default")
    .option("--no-progress", "no progress bar");
  command.action(
    reportingUsageErrors(command, async (flags: EvaluateFlags) => {
      await runEvaluate(flags, io);
    }),
  );
}

function collect<T>(parse: (value: string) => T) {
  return (value: string, previous: T[]) => [...previous, parse(value)];
}

function parsePolicyFlag(value: string): PolicyArg {
  try {
    return parsePolicyArg(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

function parseEstimatorFlag(value: string): EstimatorName {
  const name = value.trim().toLowerCase();
  if (!(ESTIMATOR_NAMES as readonly string[]).includes(name))
    throw new InvalidArgumentError(`"${value}" is not an estimator; use ${ESTIMATOR_NAMES.join(", ")}`);
  return name as EstimatorName;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError("must be a positive number");
  return n;
}

/** Runs an evaluation with parsed flags: table, summary, and the JSON and chart files asked for. */
export async function runEvaluate(flags: EvaluateFlags, io: EvaluateIo = defaultIo): Promise<EvaluationResult> {
  if (flags.fromDb && (flags.log || flags.catalog))
    throw new InvalidArgumentError(
      "--from-db reads the catalog and log from the database: leave out --catalog and --log",
    );
  if (!flags.fromDb && !(flags.log && flags.catalog))
    throw new InvalidArgumentError("give --catalog FILE and --log FILE, or --from-db");
  const policies: PolicyArg[] = flags.policy.length > 0 ? flags.policy : DEFAULT_POLICIES.map(parsePolicySpec);
  const surface = checkSurface("--surface", flags.surface ?? "default");
  if (!flags.fromDb && surface !== "default")
    throw new InvalidArgumentError("--surface picks the service's own impressions: it needs --from-db");
  if (!flags.fromDb && policies.some((p) => p.kind === "live"))
    throw new InvalidArgumentError(
      "--policy live is the service's own policy replayed from its event log: it needs --from-db",
    );
  const estimators = flags.estimator.length > 0 ? [...new Set(flags.estimator)] : [...ESTIMATOR_NAMES];
  const strict = flags.strict ?? false;
  const bad = { skipped: 0, problems: [] as string[] };
  const bar = new SingleBar(
    {
      // The event log is read page by page as the evaluation goes, so its length is not known up front.
      format: flags.fromDb ? "evaluating | {rows} rows" : "evaluating |{bar}| {percentage}% | {rows} rows",
      hideCursor: true,
      stream: io.progress,
      noTTYOutput: false,
    },
    Presets.shades_classic,
  );
  const showProgress = flags.progress !== false;
  const base = {
    estimators,
    bootstrap: flags.bootstrap,
    seed: flags.seed,
    strict,
    ...(flags.clip === undefined ? {} : { clip: flags.clip }),
    ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    chartBands: flags.chart !== undefined,
  };

  let result: EvaluationResult;
  let source: string;
  if (flags.fromDb) {
    const { config, durable } = await openDurable(io.env);
    try {
      await durable.migrate();
      const catalog = await catalogFromStore(durable);
      const rows = decisionsFromStore(durable, flags.limit ?? 1_000_000, {
        strict,
        surface,
        ...(flags.sinceMs === undefined ? {} : { afterMs: flags.sinceMs }),
        onProblem: (problem) => {
          bad.skipped++;
          if (bad.problems.length < 20) bad.problems.push(problem.message);
        },
      });
      if (catalog.length === 0)
        throw new InvalidArgumentError("the service's catalog is empty: load one with `recs load-catalog FILE` first");
      const feed = new ModelUpdateFeed(durable.events, surface);
      const settings = liveSettings(config, (await durable.settings.history(surface))[0]);
      // Each live policy its own agreement; the report's is plain live's (or the first live's).
      const agreements = policies.map(
        (): LiveAgreement => ({ rows: 0, exactRows: 0, reproduced: 0, maxDifference: 0 }),
      );
      const plainLive = policies.findIndex((p) => p.kind === "live" && Object.keys(p).length === 1);
      const agreement = agreements[plainLive >= 0 ? plainLive : policies.findIndex((p) => p.kind === "live")]!;
      if (showProgress) bar.start(1, 0, { rows: 0 });
      result = await evaluate(withUpdatesLoaded(rows, feed), {
        ...base,
        policies: policies.map((p, i) => definition(p, settings, feed, agreements[i]!)),
        catalog,
        source: DB_SOURCE,
        onProgress: (read) => showProgress && bar.update(read, { rows: read }),
        state: {
          sessionWindow: config.sessionWindow,
          sessionTtlMs: config.sessionTtlS * 1000,
          learningRate: config.learningRate,
        },
      });
      const approximate = approximateWarning(result.log);
      if (approximate !== null) result.warnings.push(approximate);
      if (policies.some((p) => p.kind === "live")) {
        result.live = agreement;
        result.warnings.push(...liveWarnings(agreement, result.log));
      }
    } finally {
      await durable.close();
    }
    source = DB_SOURCE;
  } else {
    const logPath = flags.log!;
    const catalog = await readCatalog(flags.catalog!, { strict: true });
    const report = createReadReport();
    const size = statSync(logPath).size;
    if (showProgress) bar.start(size, 0, { rows: 0 });
    result = await evaluate(readLog(logPath, { strict, report }), {
      ...base,
      policies: policies.filter((p): p is EvalPolicySpec => p.kind !== "live"),
      catalog,
      locate: () => ({ file: logPath, line: report.lastLine }),
      onProgress: (read) => showProgress && bar.update(Math.min(report.bytesRead, size), { rows: read }),
    });
    if (showProgress) bar.update(size, { rows: result.log.rowsRead });
    bad.skipped = report.skipped;
    bad.problems = report.problems.map((p) => p.message);
    source = logPath;
  }
  if (showProgress) bar.stop();

  io.out(resultTable(result));
  io.out(logSummaryText(result, bad));
  if (flags.json) {
    await mkdir(dirname(flags.json), { recursive: true });
    await writeFile(flags.json, `${JSON.stringify(resultJson(result, { source, badLines: bad }), null, 2)}\n`);
    io.out(`JSON report written to ${flags.json}`);
  }
  if (flags.chart) {
    await mkdir(dirname(flags.chart), { recursive: true });
    await writeFile(flags.chart, resultChartSvg(result));
    io.out(`chart written to ${flags.chart}`);
  }
  return result;
}

/**
 * `live` as the service runs it now on the surface: the settings of its newest settings record, else the
 * environment's (RECS_ALPHA, RECS_EPSILON); the prior from the environment.
 */
function liveSettings(config: Config, record: SurfaceSettingsRecord | undefined): LiveSettings {
  const policy = record ? parseSurfaceSettings(record.settings) : { alpha: config.alpha, epsilon: config.epsilon };
  return { ...policy, prior: modelPrior(config) };
}

/** A command-line policy as the evaluator takes it; `live` shares one feed of the log's model updates. */
function definition(
  policy: PolicyArg,
  settings: LiveSettings,
  feed: ModelUpdateFeed,
  agreement: LiveAgreement,
): PolicyDefinition {
  if (policy.kind !== "live") return policy;
  const { kind: _, ...overrides } = policy;
  const chosen: LiveSettings = { ...settings, ...overrides };
  const { alpha, epsilon, prior } = chosen;
  const switches =
    (chosen.session === false ? ",session=off" : "") +
    (chosen.longTerm === false ? ",longterm=off" : "") +
    (chosen.maxPerCategory ? `,max_per_category=${chosen.maxPerCategory}` : "");
  const name =
    `live (alpha=${alpha},epsilon=${epsilon}${switches},` +
    `prior=${prior.session}/${prior.longTerm}/${prior.strength})`;
  return { name, create: (catalog) => new LivePolicy(catalog, chosen, feed, name, agreement) };
}

/** The rows, each once the model updates its model version names are loaded (`live` applies them). */
async function* withUpdatesLoaded(rows: AsyncIterable<LoggedDecision>, feed: ModelUpdateFeed) {
  for await (const row of rows) {
    if (row.modelUpdates !== undefined && row.modelUpdates > feed.loaded) await feed.ensure(row.modelUpdates);
    yield row;
  }
}
