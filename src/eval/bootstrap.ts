import { randomIndex, seededRandom } from "../bandit/rng";

/** The off-policy estimators. */
export type EstimatorName = "replay" | "ips" | "snips" | "dr";
export const ESTIMATOR_NAMES: readonly EstimatorName[] = ["replay", "ips", "snips", "dr"];

/**
 * One policy's per-row contributions, in log order, from which every estimate and its bootstrap
 * follow. Arrays grow as the log replays (a log is streamed, its length unknown in advance).
 */
export class PolicyTrace {
  /** Replay: 1 where the policy's choice was the logged item. */
  matched = new Uint8Array(1024);
  /** The importance weight π/μ (after clipping). */
  weight = new Float64Array(1024);
  /** DR's per-row value: Σ_a π(a|x)·r̂(x,a) + w·(r − r̂(x, logged)). */
  doublyRobust = new Float64Array(1024);
  length = 0;
  /** Rows whose weight was clipped, and the largest weight before clipping. */
  clipped = 0;
  maxWeight = 0;

  push(matched: boolean, weight: number, doublyRobust: number): void {
    if (this.length === this.weight.length) this.grow();
    this.matched[this.length] = matched ? 1 : 0;
    this.weight[this.length] = weight;
    this.doublyRobust[this.length] = doublyRobust;
    this.length++;
  }

  private grow(): void {
    const size = this.weight.length * 2;
    const matched = new Uint8Array(size);
    matched.set(this.matched);
    const weight = new Float64Array(size);
    weight.set(this.weight);
    const doublyRobust = new Float64Array(size);
    doublyRobust.set(this.doublyRobust);
    this.matched = matched;
    this.weight = weight;
    this.doublyRobust = doublyRobust;
  }
}

/** The sums every estimator is a function of. */
interface Sums {
  matched: number;
  matchedReward: number;
  weight: number;
  weightedReward: number;
  doublyRobust: number;
  rows: number;
}

const emptySums = (): Sums => ({
  matched: 0,
  matchedReward: 0,
  weight: 0,
  weightedReward: 0,
  doublyRobust: 0,
  rows: 0,
});

/** An estimator's value from the sums (NaN when undefined, e.g. replay with no matched row). */
export function estimatorValue(estimator: EstimatorName, s: Sums): number {
  switch (estimator) {
    case "replay":
      return s.matched > 0 ? s.matchedReward / s.matched : Number.NaN;
    case "ips":
      return s.rows > 0 ? s.weightedReward / s.rows : Number.NaN;
    case "snips":
      return s.weight > 0 ? s.weightedReward / s.weight : Number.NaN;
    case "dr":
      return s.rows > 0 ? s.doublyRobust / s.rows : Number.NaN;
  }
}

function addRow(s: Sums, trace: PolicyTrace, rewards: Float64Array, i: number): void {
  const reward = rewards[i]!;
  const weight = trace.weight[i]!;
  if (trace.matched[i] === 1) {
    s.matched++;
    s.matchedReward += reward;
  }
  s.weight += weight;
  s.weightedReward += weight * reward;
  s.doublyRobust += trace.doublyRobust[i]!;
  s.rows++;
}

/** A point estimate with its percentile bootstrap interval. */
export interface IntervalEstimate {
  value: number;
  ci: [number, number];
  /** Bootstrap resamples where the estimate was defined (replay needs a matched row). */
  resamples: number;
}

/** Row sums of a trace over rows [0, n): the point estimates' inputs. */
export function traceSums(trace: PolicyTrace, rewards: Float64Array, n = trace.length): Sums {
  const s = emptySums();
  for (let i = 0; i < n; i++) addRow(s, trace, rewards, i);
  return s;
}

/**
 * Rows grouped into independent units for resampling: the rows of one user (all their sessions) share
 * a taste, and those of one session an intent, so their rewards move together and resampling rows one
 * by one would make intervals too narrow. `clusterOf[i]` is row i's unit (0 .. count-1).
 */
export interface Clusters {
  clusterOf: Int32Array;
  count: number;
}

/**
 * Point estimates and percentile-bootstrap intervals (`confidence`, default 0.95) for every trace and
 * estimator. Each resample draws as many clusters (users) as the log holds, with replacement, and
 * takes all their rows; without clusters, rows one by one. The same resample serves every policy
 * (common random numbers), from `seed`. The resampling treats the policies' choices as fixed: it
 * measures the estimators' sampling noise over the log, not the variance of re-running a learning
 * policy.
 */
export function bootstrapEstimates(
  traces: readonly PolicyTrace[],
  rewards: Float64Array,
  n: number,
  estimators: readonly EstimatorName[],
  options: { resamples: number; seed: number; confidence?: number; clusters?: Clusters },
): Array<Record<EstimatorName, IntervalEstimate>> {
  const confidence = options.confidence ?? 0.95;
  const rng = seededRandom(options.seed);
  const draws = traces.map(() => estimators.map(() => new Float64Array(options.resamples)));
  // Every estimator is a function of sums, so each unit's sums are added once here and a resample
  // adds whole units: the cost is units × resamples, not rows × resamples.
  const unitSums = traces.map((trace) => sumsByUnit(trace, rewards, n, options.clusters));
  const units = unitSums[0]?.length ?? 0;
  const sums = traces.map(emptySums);
  for (let b = 0; b < options.resamples; b++) {
    for (const s of sums) Object.assign(s, emptySums());
    for (let u = 0; u < units; u++) {
      const unit = randomIndex(rng, units);
      for (let p = 0; p < traces.length; p++) addSums(sums[p]!, unitSums[p]![unit]!);
    }
    for (let p = 0; p < traces.length; p++) {
      estimators.forEach((estimator, e) => {
        draws[p]![e]![b] = estimatorValue(estimator, sums[p]!);
      });
    }
  }
  return traces.map((trace, p) => {
    const point = traceSums(trace, rewards, n);
    const out = {} as Record<EstimatorName, IntervalEstimate>;
    estimators.forEach((estimator, e) => {
      const defined = Array.from(draws[p]![e]!)
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      const tail = (1 - confidence) / 2;
      out[estimator] = {
        value: estimatorValue(estimator, point),
        ci: [quantile(defined, tail), quantile(defined, 1 - tail)],
        resamples: defined.length,
      };
    });
    return out;
  });
}

/** Each unit's sums (rows one by one without clusters). */
function sumsByUnit(trace: PolicyTrace, rewards: Float64Array, n: number, clusters: Clusters | undefined): Sums[] {
  const units = Array.from({ length: clusters?.count ?? n }, emptySums);
  for (let i = 0; i < n; i++) addRow(units[clusters === undefined ? i : clusters.clusterOf[i]!]!, trace, rewards, i);
  return units;
}

function addSums(into: Sums, s: Sums): void {
  into.matched += s.matched;
  into.matchedReward += s.matchedReward;
  into.weight += s.weight;
  into.weightedReward += s.weightedReward;
  into.doublyRobust += s.doublyRobust;
  into.rows += s.rows;
}

/** The q-quantile of sorted values (linear interpolation); NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower]! + (position - lower) * (sorted[upper]! - sorted[lower]!);
}

/**
 * Each estimator's running value over the log at up to `points` evenly spaced row counts: the chart
 * of estimated reward as the log replays (and, for learning policies, as they learn).
 */
export function runningEstimates(
  trace: PolicyTrace,
  rewards: Float64Array,
  n: number,
  estimator: EstimatorName,
  points: number,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (n === 0) return out;
  const step = Math.max(1, Math.floor(n / points));
  const s = emptySums();
  for (let i = 0; i < n; i++) {
    addRow(s, trace, rewards, i);
    if ((i + 1) % step === 0 || i === n - 1) out.push([i + 1, estimatorValue(estimator, s)]);
  }
  return out;
}
