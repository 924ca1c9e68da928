import { ByteReader, ByteWriter, SNAPSHOT_REMEDY } from "../binary-codec";
import { addOuter, dot, invertSpd, matVec, quadraticForm, scaledIdentity, shermanMorrison, type Vector } from "./dense";
import { checkAlpha, checkDim, checkFinite, checkLambda, checkRefreshEvery } from "./checks";

/** The parts of one UCB score. */
export interface Score {
  /** θᵀx, the expected reward. */
  mean: number;
  /** α·sqrt(xᵀA⁻¹x), the exploration bonus. */
  bonus: number;
  /** mean + bonus. */
  ucb: number;
}

/** Caller-owned outputs of a batched score, one entry per candidate. */
export interface ScoreBuffers {
  mean: Float64Array;
  bonus: Float64Array;
  ucb: Float64Array;
}

export interface LinUCBOptions {
  /** Feature dimension. */
  dim: number;
  /** Exploration width α ≥ 0. */
  alpha: number;
  /** Ridge prior λ > 0: A starts as λI. Default 1. */
  lambda?: number;
  /** Recompute A⁻¹ exactly from A after this many updates, bounding Sherman–Morrison drift. Default 1000. */
  refreshEvery?: number;
}

/** LinUCB's sufficient statistics, as plain arrays (copies). */
export interface LinUCBState {
  dim: number;
  alpha: number;
  lambda: number;
  refreshEvery: number;
  /** A = λI + Σ xxᵀ, row-major dim×dim. */
  a: Float64Array;
  /** b = Σ r·x. */
  b: Float64Array;
  updateCount: number;
}

const MAGIC = "recs.linucb.v1";

/**
 * Disjoint LinUCB (Li et al. 2010, Algorithm 1) over one shared feature vector. The statistics are
 * sums, so replicas applying the same updates in any order agree. A⁻¹ is kept current by
 * Sherman–Morrison and recomputed from A every `refreshEvery` updates; θ = A⁻¹b is recomputed lazily.
 */
export class LinUCB {
  readonly dim: number;
  readonly alpha: number;
  readonly lambda: number;
  readonly refreshEvery: number;
  private readonly a: Float64Array;
  private readonly aInverse: Float64Array;
  private readonly b: Float64Array;
  private readonly cachedTheta: Float64Array;
  private readonly scratch: Float64Array;
  private thetaStale = true;
  private updates = 0;
  private updatesSinceRefresh = 0;

  constructor(options: LinUCBOptions) {
    this.dim = checkDim("dim", options.dim);
    this.alpha = checkAlpha(options.alpha);
    this.lambda = checkLambda(options.lambda ?? 1);
    this.refreshEvery = checkRefreshEvery(options.refreshEvery ?? 1000);
    this.a = scaledIdentity(this.dim, this.lambda);
    this.aInverse = scaledIdentity(this.dim, 1 / this.lambda);
    this.b = new Float64Array(this.dim);
    this.cachedTheta = new Float64Array(this.dim);
    this.scratch = new Float64Array(this.dim);
  }

  /** How many updates the statistics hold. */
  get updateCount(): number {
    return this.updates;
  }

  /** Scores x (read from `x[offset .. offset+dim)`). */
  score(x: Vector, offset = 0): Score {
    const mean = dot(this.theta0(), x, offset, this.dim);
    const bonus = this.alpha * Math.sqrt(Math.max(0, quadraticForm(this.aInverse, this.dim, x, offset)));
    return { mean, bonus, ucb: mean + bonus };
  }

  /** Scores `count` candidates stored back to back in `xFlat` into `out`, allocating nothing. */
  scoreMany(xFlat: Vector, count: number, out: ScoreBuffers): void {
    const theta = this.theta0();
    const n = this.dim;
    for (let c = 0; c < count; c++) {
      const offset = c * n;
      const mean = dot(theta, xFlat, offset, n);
      const bonus = this.alpha * Math.sqrt(Math.max(0, quadraticForm(this.aInverse, n, xFlat, offset)));
      out.mean[c] = mean;
      out.bonus[c] = bonus;
      out.ucb[c] = mean + bonus;
    }
  }

  /** Adds one observation: A += xxᵀ, b += r·x. Throws (changing nothing) on a non-finite input. */
  update(x: Vector, reward: number, offset = 0): void {
    checkFinite("reward", reward);
    for (let i = 0; i < this.dim; i++) checkFinite("x", x[offset + i]!);
    addOuter(this.a, this.dim, x, offset, 1);
    for (let i = 0; i < this.dim; i++) this.b[i]! += reward * x[offset + i]!;
    this.updates++;
    this.thetaStale = true;
    if (++this.updatesSinceRefresh >= this.refreshEvery) this.refresh();
    else shermanMorrison(this.aInverse, this.dim, x, offset, 1, this.scratch);
  }

  /** θ = A⁻¹b (a copy). */
  theta(): Float64Array {
    return this.theta0().slice();
  }

  /** Recomputes A⁻¹ from A exactly (Cholesky), discarding accumulated Sherman–Morrison rounding. */
  refresh(): void {
    const work = new Float64Array(this.dim * this.dim);
    if (!invertSpd(this.a, this.dim, this.aInverse, work)) {
      throw new Error("LinUCB: A is not positive definite; the statistics are corrupt (λ must be > 0)");
    }
    this.updatesSinceRefresh = 0;
    this.thetaStale = true;
  }

  /** A copy of the statistics, for snapshots. */
  exportState(): LinUCBState {
    return {
      dim: this.dim,
      alpha: this.alpha,
      lambda: this.lambda,
      refreshEvery: this.refreshEvery,
      a: this.a.slice(),
      b: this.b.slice(),
      updateCount: this.updates,
    };
  }

  /** A model holding `state` (A⁻¹ recomputed exactly). */
  static fromState(state: LinUCBState): LinUCB {
    const model = new LinUCB(state);
    const n = model.dim;
    if (state.a.length !== n * n || state.b.length !== n) {
      throw new RangeError(
        `LinUCB state: A must hold ${n * n} numbers and b ${n}, got ${state.a.length} and ${state.b.length}`,
      );
    }
    model.a.set(state.a);
    model.b.set(state.b);
    model.updates = state.updateCount;
    model.refresh();
    return model;
  }

  /** The statistics as bytes (see `exportState`). */
  exportBytes(): Uint8Array {
    const writer = new ByteWriter();
    writer.string(MAGIC);
    writer.u32(this.dim);
    writer.f64(this.alpha);
    writer.f64(this.lambda);
    writer.u32(this.refreshEvery);
    writer.f64(this.updates);
    writer.f64s(this.a);
    writer.f64s(this.b);
    return writer.toBytes();
  }

  /** A model from `exportBytes` output. */
  static fromBytes(bytes: Uint8Array): LinUCB {
    const reader = new ByteReader(bytes, "LinUCB snapshot", SNAPSHOT_REMEDY);
    const magic = reader.string();
    if (magic !== MAGIC) throw new Error(`LinUCB snapshot: format "${magic}" is not "${MAGIC}"`);
    const dim = reader.u32();
    const alpha = reader.f64();
    const lambda = reader.f64();
    const refreshEvery = reader.u32();
    const updateCount = reader.f64();
    const a = reader.f64s(dim * dim);
    const b = reader.f64s(dim);
    reader.end();
    return LinUCB.fromState({ dim, alpha, lambda, refreshEvery, a, b, updateCount });
  }

  private theta0(): Float64Array {
    if (this.thetaStale) {
      matVec(this.aInverse, this.dim, this.dim, this.b, 0, this.cachedTheta);
      this.thetaStale = false;
    }
    return this.cachedTheta;
  }
}
