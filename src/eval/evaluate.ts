import { FNV_OFFSET, fnv1aUpdate } from "../bandit/hashing";
import { seededRandom, type Random } from "../bandit/rng";
import type { CatalogItem } from "../state/ports";
import {
  bootstrapEstimates,
  PolicyTrace,
  runningEstimates,
  type EstimatorName,
  type IntervalEstimate,
} from "./bootstrap";
import { CandidateResolver, Decision, EvalCatalog } from "./decision";
import type { EvalPolicy } from "./eval-policy";
import type { LiveAgreement } from "./live-policy";
import { LogFormatError, type LoggedDecision } from "./log-format";
import { LoggedState, type LoggedStateOptions } from "./logged-state";
import { createPolicy } from "./policies";
import { policySpecName, type EvalPolicySpec } from "./policy-spec";
import { OnlineRewardModel } from "./reward-model";

/** A policy to evaluate: a spec, or any EvalPolicy made fresh for the run. */
export type PolicyDefinition = EvalPolicySpec | { name: string; create(catalog: EvalCatalog): EvalPolicy };

export interface EvaluateOptions {
  catalog: readonly CatalogItem[];
  policies: readonly PolicyDefinition[];
  /** Default: all four. */
  estimators?: readonly EstimatorName[];
  /** Clip importance weights at this value (IPS, SNIPS, DR); default none. */
  clip?: number;
  /** Bootstrap resamples for the intervals; default 200. */
  bootstrap?: number;
  seed?: number;
  state?: LoggedStateOptions;
  /** Evaluate at most this many rows (position-0 rows with known items). */
  limit?: number;
  /** Stop at the first row whose items are not in the catalog (default: count and skip it). */
  strict?: boolean;
  /** Where the row just read came from, so a row the catalog rejects can be named by file and line. */
  locate?: () => { file: string; line: number };
  /** Without `locate`: the source's name, rows numbered from 1. */
  source?: string;
  /** Called every 1,000 rows read. */
  onProgress?: (rowsRead: number) => void;
  /** Points of each running-estimate curve; default 200. */
  chartPoints?: number;
  /**
   * Bootstrap the running estimates too (`PolicyResult.bands`, for the chart); default off, it costs 20 more
   * bootstraps.
   */
  chartBands?: boolean;
}

/** What was read and what was left out, and why. */
export interface LogSummary {
  rowsRead: number;
  /** Rows every estimator used. */
  rowsEvaluated: number;
  /**
   * Of those, rows that carried the candidates and state they were served with (the service's own log
   * since migration 004): every policy's probabilities on them are exact.
   */
  exactRows: number;
  /** Rows at a position other than 0: they update the rebuilt state but are not estimated (see `evaluate`). */
  otherPositions: number;
  /** Rows naming an item (or candidate) not in the catalog. */
  unknownItems: number;
  /** The first few problems, as `file:line: "field" ...` messages. */
  problems: string[];
  meanReward: number;
  /** Whether every evaluated row's propensity was 1/|candidates|: replay is unbiased only then. */
  uniformLogging: boolean;
}

export interface PolicyEstimate extends IntervalEstimate {
  /** replay: matched rows; the others: rows weighed. */
  n: number;
  /** IPS, SNIPS, DR with clipping: rows whose weight was clipped. */
  clipped?: number;
  maxWeight?: number;
  /** SNIPS: Σw (its expectation is n when the logged propensities are right). */
  weightSum?: number;
  /** SNIPS: (Σw)² / Σw², how many rows the weighted estimate is worth. */
  effectiveSampleSize?: number;
  /** DR: the reward model used. */
  rewardModel?: string;
}

export interface PolicyResult {
  name: string;
  estimates: Partial<Record<EstimatorName, PolicyEstimate>>;
  /** Running value of each estimator over the log: [rows, value]. */
  curves: Partial<Record<EstimatorName, Array<[number, number]>>>;
  /** The bootstrap interval of each running estimate at fewer row counts: [rows, low, high]. */
  bands: Partial<Record<EstimatorName, Array<[number, number, number]>>>;
}

export interface EvaluationResult {
  log: LogSummary;
  policies: PolicyResult[];
  settings: { estimators: EstimatorName[]; bootstrap: number; seed: number; clip: number | null; confidence: number };
  warnings: string[];
  /** With a `live` policy: how closely it reproduced the logged propensities. */
  live?: LiveAgreement;
}

const MAX_PROBLEMS = 20;

/** One policy under evaluation: a replay instance, and the off-policy instance (the same when it does not learn). */
interface PolicyRun {
  name: string;
  replay: EvalPolicy | null;
  offPolicy: EvalPolicy | null;
  rng: Random;
  trace: PolicyTrace;
}

/**
 * Replays a log through each target policy and estimates its value (the expected reward of slot 0)
 * with replay, IPS, SNIPS and doubly robust, each with a bootstrap interval.
 *
 * Learning, as the policies replay:
 * - replay: the policy learns only from rows where its own choice was the logged item (Li et al.
 *   2011): exactly what it would have seen deployed, at the price of learning from ~1/|candidates|
 *   of the rows under uniform logging.
 * - IPS, SNIPS, DR: a second instance learns from every row (the logged item and its reward). It sees
 *   more than a deployed policy would (the logging policy's choices, not only its own), so a learning
 *   policy's estimate there is of "this policy trained on the logged stream", which may be
 *   optimistic about how fast it learns; static policies are unaffected.
 * Rows at a position other than 0 are not estimated (π at a later slot depends on the earlier slots,
 * which the row does not carry) but still update the rebuilt session and long-term state.
 */
export async function evaluate(
  rows: AsyncIterable<LoggedDecision> | Iterable<LoggedDecision>,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const estimators = [...(options.estimators ?? ["replay", "ips", "snips", "dr"])];
  const seed = options.seed ?? 1;
  const resamples = options.bootstrap ?? 200;
  const clip = options.clip ?? null;
  if (clip !== null && !(clip > 0)) throw new RangeError(`clip must be a positive number, got ${clip}`);
  const catalog = new EvalCatalog(options.catalog);
  const resolver = new CandidateResolver(catalog);
  const state = new LoggedState(catalog.mirror, options.state);
  const needsReplay = estimators.includes("replay");
  const needsWeights = estimators.some((e) => e !== "replay");
  const needsDr = estimators.includes("dr");
  const rewardModel = needsDr ? new OnlineRewardModel(catalog.size) : null;

  const runs: PolicyRun[] = options.policies.map((definition) => {
    const make = () => ("create" in definition ? definition.create(catalog) : createPolicy(definition, catalog));
    const name = "create" in definition ? definition.name : policySpecName(definition);
    const replay = needsReplay ? make() : null;
    const offPolicy = needsWeights ? (replay !== null && !replay.learns ? replay : make()) : null;
    // Seeded by name, so a policy's numbers do not depend on which others run beside it.
    return {
      name,
      replay,
      offPolicy,
      rng: seededRandom((seed ^ fnv1aUpdate(FNV_OFFSET, name)) >>> 0),
      trace: new PolicyTrace(),
    };
  });

  const summary: LogSummary = {
    rowsRead: 0,
    rowsEvaluated: 0,
    exactRows: 0,
    otherPositions: 0,
    unknownItems: 0,
    problems: [],
    meanReward: 0,
    uniformLogging: true,
  };
  let rewards = new Float64Array(1024);
  let clusterOf = new Int32Array(1024);
  /** The bootstrap resamples users: rows of one user are not independent (see Clusters). */
  const userClusters = new Map<string, number>();
  let rewardSum = 0;
  let distribution = new Float64Array(64);
  let predictions = new Float64Array(64);

  for await (const row of rows) {
    if (options.limit !== undefined && summary.rowsEvaluated >= options.limit) break;
    summary.rowsRead++;
    if (summary.rowsRead % 1000 === 0) options.onProgress?.(summary.rowsRead);
    const found = resolver.resolve(row.candidates);
    const resolved = "unknownId" in found ? null : found;
    const problem =
      resolved === null
        ? {
            field: "candidates",
            text:
              `names item ${JSON.stringify((found as { unknownId: string }).unknownId)}, ` +
              `which is not in the catalog`,
          }
        : null;
    // Without a candidate list the candidates are the catalog in order, so the catalog index is the position.
    const logged =
      resolved === null
        ? -1
        : row.candidates === null
          ? (catalog.mirror.indexOf(row.itemId) ?? -1)
          : resolved.ids.indexOf(row.itemId);
    if (resolved === null || logged < 0) {
      const where = options.locate?.() ?? { file: options.source ?? "log", line: summary.rowsRead };
      const error = new LogFormatError(
        where.file,
        where.line,
        problem?.field ?? "item_id",
        problem?.text ??
          (row.candidates === null
            ? `${JSON.stringify(row.itemId)} is not in the catalog`
            : `${JSON.stringify(row.itemId)} is not one of "candidates"`),
      );
      if (options.strict) throw error;
      summary.unknownItems++;
      if (summary.problems.length < MAX_PROBLEMS) summary.problems.push(error.message);
      continue;
    }
    if (row.position !== 0) {
      summary.otherPositions++;
      state.observe(row);
      continue;
    }
    const decision = new Decision(summary.rowsEvaluated, row, resolved, logged, catalog, state);
    const n = decision.size;
    if (decision.exact) summary.exactRows++;
    if (Math.abs(row.propensity * n - 1) > 1e-6) summary.uniformLogging = false;
    if (distribution.length < n) {
      distribution = new Float64Array(n * 2);
      predictions = new Float64Array(n * 2);
    }
    if (rewardModel !== null) rewardModel.predict(decision, predictions);
    for (const run of runs) step(run, decision, rewardModel !== null ? predictions : null, distribution, clip);
    rewardModel?.observe(decision);
    state.observe(row);
    if (summary.rowsEvaluated === rewards.length) {
      const grown = new Float64Array(rewards.length * 2);
      grown.set(rewards);
      rewards = grown;
      const grownClusters = new Int32Array(clusterOf.length * 2);
      grownClusters.set(clusterOf);
      clusterOf = grownClusters;
    }
    let cluster = userClusters.get(row.userId);
    if (cluster === undefined) userClusters.set(row.userId, (cluster = userClusters.size));
    clusterOf[summary.rowsEvaluated] = cluster;
    rewards[summary.rowsEvaluated++] = row.reward;
    rewardSum += row.reward;
  }
  options.onProgress?.(summary.rowsRead);
  summary.meanReward = summary.rowsEvaluated > 0 ? rewardSum / summary.rowsEvaluated : Number.NaN;

  const n = summary.rowsEvaluated;
  const intervals = bootstrapEstimates(
    runs.map((r) => r.trace),
    rewards,
    n,
    estimators,
    { resamples, seed, clusters: { clusterOf, count: userClusters.size } },
  );
  const points = options.chartPoints ?? 200;
  const bands = options.chartBands
    ? runningBands(
        runs.map((r) => r.trace),
        rewards,
        n,
        estimators,
        { resamples: Math.min(resamples, BAND_RESAMPLES), seed, clusterOf },
      )
    : [];
  const policies = runs.map((run, p): PolicyResult => {
    const estimates: Partial<Record<EstimatorName, PolicyEstimate>> = {};
    const curves: Partial<Record<EstimatorName, Array<[number, number]>>> = {};
    const policyBands: Partial<Record<EstimatorName, Array<[number, number, number]>>> = {};
    for (const estimator of estimators) {
      estimates[estimator] = { ...intervals[p]![estimator], ...details(estimator, run.trace, n, clip) };
      curves[estimator] = runningEstimates(run.trace, rewards, n, estimator, points);
      policyBands[estimator] = bands.map((band) => [
        band.rows,
        band.intervals[p]![estimator].ci[0],
        band.intervals[p]![estimator].ci[1],
      ]);
    }
    return { name: run.name, estimates, curves, bands: policyBands };
  });
  const warnings: string[] = [];
  if (needsReplay && !summary.uniformLogging && n > 0)
    warnings.push(
      "the log's propensities are not uniform (1/|candidates|): replay is biased on such logs; trust IPS, SNIPS and DR",
    );
  return {
    log: summary,
    policies,
    settings: { estimators, bootstrap: resamples, seed, clip, confidence: 0.95 },
    warnings,
  };
}

/** Row counts at which the chart's bands are bootstrapped, and the resamples each (the table's figures use all). */
const BAND_POINTS = 20;
const BAND_RESAMPLES = 200;

/**
 * The bootstrap interval of every running estimate at BAND_POINTS row counts, resampling the users seen
 * so far (users are numbered in order of first appearance, so the first m rows hold users 0..max).
 */
function runningBands(
  traces: readonly PolicyTrace[],
  rewards: Float64Array,
  n: number,
  estimators: readonly EstimatorName[],
  options: { resamples: number; seed: number; clusterOf: Int32Array },
): Array<{ rows: number; intervals: ReturnType<typeof bootstrapEstimates> }> {
  const out: Array<{ rows: number; intervals: ReturnType<typeof bootstrapEstimates> }> = [];
  if (n === 0 || options.resamples <= 0) return out;
  let users = 0;
  let next = 1;
  for (let i = 0; i < n; i++) {
    users = Math.max(users, options.clusterOf[i]! + 1);
    const rows = i + 1;
    if (rows < Math.ceil((next * n) / BAND_POINTS) && rows !== n) continue;
    next++;
    out.push({
      rows,
      intervals: bootstrapEstimates(traces, rewards, rows, estimators, {
        resamples: options.resamples,
        seed: options.seed,
        clusters: { clusterOf: options.clusterOf, count: users },
      }),
    });
  }
  return out;
}

/** Runs one policy on one decision and records its contributions. */
function step(
  run: PolicyRun,
  decision: Decision,
  predictions: Float64Array | null,
  distribution: Float64Array,
  clip: number | null,
): void {
  let matched = false;
  if (run.replay !== null) {
    matched = run.replay.choosesLogged(decision, run.rng);
    if (matched && run.replay.learns) run.replay.learn(decision);
  }
  let weight = 0;
  let doublyRobust = 0;
  const policy = run.offPolicy;
  if (policy !== null) {
    let probability: number;
    if (predictions !== null) {
      policy.distribution(decision, distribution);
      probability = distribution[decision.logged]!;
    } else {
      probability = policy.probabilityOfLogged(decision);
    }
    weight = probability / decision.row.propensity;
    if (weight > run.trace.maxWeight) run.trace.maxWeight = weight;
    if (clip !== null && weight > clip) {
      weight = clip;
      run.trace.clipped++;
    }
    if (predictions !== null) {
      let direct = 0;
      for (let c = 0; c < decision.size; c++) direct += distribution[c]! * predictions[c]!;
      doublyRobust = direct + weight * (decision.reward - predictions[decision.logged]!);
    }
    if (policy.learns) policy.learn(decision);
  }
  run.trace.push(matched, weight, doublyRobust);
}

function details(
  estimator: EstimatorName,
  trace: PolicyTrace,
  n: number,
  clip: number | null,
): Omit<PolicyEstimate, keyof IntervalEstimate> {
  if (estimator === "replay") {
    let matched = 0;
    for (let i = 0; i < n; i++) matched += trace.matched[i]!;
    return { n: matched };
  }
  const clipping = clip === null ? {} : { clipped: trace.clipped };
  const common = { n, ...clipping, maxWeight: trace.maxWeight };
  if (estimator === "snips") {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      sum += trace.weight[i]!;
      squares += trace.weight[i]! * trace.weight[i]!;
    }
    return { ...common, weightSum: sum, effectiveSampleSize: squares > 0 ? (sum * sum) / squares : 0 };
  }
  if (estimator === "dr") return { ...common, rewardModel: OnlineRewardModel.DESCRIPTION };
  return common;
}
