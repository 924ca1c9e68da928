import { ArmStats, touchArm } from "./hybrid-arm";
import { checkAlpha, checkDim, checkFinite, checkLambda, checkRefreshEvery } from "./checks";
import { dot, invertSpd, matVec, scaledIdentity, type Vector } from "./dense";
import type { Score, ScoreBuffers } from "./linucb";
import { decodeHybridState, encodeHybridState } from "./hybrid-snapshot";
import { FactoredKernel } from "./kernels/factored-kernel";
import { SharedStatistics } from "./kernels/kernels";
import { materializeShared, type FactoredBatch } from "./factored";

/** One observation as `update` took it: item, shared features z, per-item features x, reward. */
export interface BanditObservation {
  itemId: string;
  z: Vector;
  x: Vector;
  reward: number;
}

export interface HybridLinUCBOptions {
  /** Dimension n of the shared features z. */
  sharedDim: number;
  /** Dimension k of the per-item features x (small: 3–4). */
  armDim: number;
  /** Exploration width α ≥ 0. */
  alpha: number;
  /** Ridge prior λ > 0 for A0 and every A_a. Default 1. */
  lambda?: number;
  /** Recompute A0⁻¹ (and each A_a⁻¹) exactly after this many updates (of that arm). Default 1000. */
  refreshEvery?: number;
  /** Most items holding per-item statistics; past it the least recently updated is evicted. Default 10,000. */
  maxArms?: number;
  /**
   * Prior mean μ0 of the shared coefficients (length sharedDim; default zeros): b0 starts at λ·μ0, so
   * before any update β̂ = μ0, and after updates the ridge pulls β̂ toward μ0 instead of toward zero.
   */
  priorMean?: ArrayLike<number>;
}

/**
 * Hybrid LinUCB (Li et al. 2010, Algorithm 2): a shared linear model over z plus a per-item model
 * over x, created on an item's first update (before it, an item scores with the prior and the shared
 * part). The algorithm's A0 = λI + Σ zzᵀ − Σ_a B_aᵀA_a⁻¹B_a and b0 = Σ r·z − Σ_a B_aᵀA_a⁻¹b_a are
 * functions of sums only, so replicas applying the same updates in any order agree — except that
 * eviction (which items hold state) depends on the order once more than `maxArms` items are updated.
 *
 * Each update moves A0 by the rank-1 term eeᵀ/(1+s), e = z − B_aᵀA_a⁻¹x, s = xᵀA_a⁻¹x (the Schur
 * complement's update), so A0⁻¹ follows by one Sherman–Morrison step. An evicted item hands its
 * evidence back to the shared model (A0 += B_aᵀA_a⁻¹B_a), as if it never had per-item features.
 */
export class HybridLinUCB {
  readonly sharedDim: number;
  readonly armDim: number;
  /** Exploration width; `setAlpha` changes it (a surface's settings), the statistics stay. */
  private alphaValue: number;
  readonly lambda: number;
  readonly refreshEvery: number;
  readonly maxArms: number;
  /** A0, A0⁻¹, b0 and β̂, in WebAssembly memory where the rank-1 updates run. */
  private readonly shared: SharedStatistics;
  private readonly arms = new Map<string, ArmStats>();
  private betaStale = true;
  /**
   * Counts changes to A0⁻¹ or b0 (updates, evictions, refreshes): what cached per-request products are checked against.
   */
  private mutations = 0;
  private updates = 0;
  private sinceRefresh = 0;
  private readonly sharedScratch: Float64Array;
  private readonly armScratch: Float64Array;
  private readonly armScratch2: Float64Array;
  /** Lays factored batches out in the kernel's memory and keeps their per-request products. */
  private readonly factored: FactoredKernel;
  /** Factored scoring: which candidate each dense row belongs to. */
  private armRows = new Int32Array(16);
  /** `score`'s one-item buffers. */
  private readonly single = { mean: new Float64Array(1), bonus: new Float64Array(1), ucb: new Float64Array(1) };

  constructor(options: HybridLinUCBOptions) {
    this.sharedDim = checkDim("sharedDim", options.sharedDim);
    this.armDim = checkDim("armDim", options.armDim);
    this.alphaValue = checkAlpha(options.alpha);
    this.lambda = checkLambda(options.lambda ?? 1);
    this.refreshEvery = checkRefreshEvery(options.refreshEvery ?? 1000);
    this.maxArms = checkDim("maxArms", options.maxArms ?? 10_000);
    this.shared = new SharedStatistics(this.sharedDim, this.armDim);
    this.factored = new FactoredKernel(this.shared);
    this.shared.a.set(scaledIdentity(this.sharedDim, this.lambda));
    this.shared.aInverse.set(scaledIdentity(this.sharedDim, 1 / this.lambda));
    if (options.priorMean !== undefined) {
      if (options.priorMean.length !== this.sharedDim)
        throw new RangeError(`priorMean has ${options.priorMean.length} values, sharedDim is ${this.sharedDim}`);
      for (let i = 0; i < this.sharedDim; i++) {
        checkFinite("priorMean", options.priorMean[i]!);
        this.shared.b[i] = this.lambda * options.priorMean[i]!;
      }
    }
    this.sharedScratch = new Float64Array(this.sharedDim);
    this.armScratch = new Float64Array(this.armDim);
    this.armScratch2 = new Float64Array(this.armDim);
  }

  get alpha(): number {
    return this.alphaValue;
  }

  /** Scores with another exploration width from now on; the statistics are unchanged. */
  setAlpha(alpha: number): void {
    this.alphaValue = checkAlpha(alpha);
  }

  /** How many updates the statistics hold (evicted items' included). */
  get updateCount(): number {
    return this.updates;
  }

  /** How many items hold per-item statistics (≤ maxArms). */
  get armCount(): number {
    return this.arms.size;
  }

  /** Whether the item holds per-item statistics. */
  hasArm(itemId: string): boolean {
    return this.arms.has(itemId);
  }

  /** Scores one item with shared features z and per-item features x (read at the given offsets). */
  score(itemId: string, z: Vector, x: Vector, zOffset = 0, xOffset = 0): Score {
    // The batch path for one item, so an item scores the same alone as in any batch, to the bit.
    const out = this.single;
    this.scoreMany(
      [itemId],
      z.subarray(zOffset, zOffset + this.sharedDim),
      x.subarray(xOffset, xOffset + this.armDim),
      out,
    );
    return { mean: out.mean[0]!, bonus: out.bonus[0]!, ucb: out.ucb[0]! };
  }

  /**
   * Scores items back to back (z rows in `zFlat`, x rows in `xFlat`) into `out`; the hot path. Same
   * quantities as `score`: with u = z − t (t = B_aᵀy, y = A_a⁻¹x; u = z without statistics), the
   * mean is u·β̂ + y·(B_aβ̂) + xᵀθ̂_a and the variance uᵀA0⁻¹u + xᵀy. The n-sized work runs in
   * WebAssembly SIMD (each item's pass over B_a, then every u·β̂ and uᵀA0⁻¹u in one call); what is
   * left here is k-sized.
   */
  scoreMany(itemIds: readonly string[], zFlat: Vector, xFlat: Vector, out: ScoreBuffers): void {
    const n = this.sharedDim;
    const k = this.armDim;
    const count = itemIds.length;
    // rows() first: growing the memory remakes the views, β̂ among them; then β̂ brought up to date.
    const residuals = this.shared.rows(count);
    this.beta0();
    residuals.set(count * n === zFlat.length ? zFlat : zFlat.subarray(0, count * n));
    // Until the kernel has run: the mean's and the variance's parts outside u·β̂ and uᵀA0⁻¹u.
    const meanRest = out.mean;
    const varianceRest = out.bonus;
    for (let c = 0; c < count; c++) {
      const arm = this.arms.get(itemIds[c]!);
      if (arm === undefined) this.priorParts(xFlat, c * k, meanRest, varianceRest, c);
      else this.armParts(arm, xFlat, c * k, c * n, meanRest, varianceRest, c);
    }
    const { forms, dots } = this.shared.score(count);
    this.combine(count, forms, dots, out);
  }

  /**
   * scoreMany's scores for shared features in factored form (z_c = P·w_c + sparse terms, see
   * `FactoredBatch`), x rows in `xFlat`. For an item without statistics, uᵀA0⁻¹u = w_cᵀGw_c +
   * 2·Σ_t v_t·(A0⁻¹P)[i_t]·w_c + Σ_t Σ_t' v_t v_t' A0⁻¹[i_t][i_t'] with G = PᵀA0⁻¹P, and u·β̂ = w_c·Pᵀβ̂ +
   * Σ_t v_t β̂[i_t]: m² + a few·m work per item instead of n² (G and A0⁻¹P are made once per P and model
   * state). An item with statistics has its z written out and goes the dense way, as in scoreMany.
   * Same quantities as scoreMany up to rounding.
   */
  scoreFactored(itemIds: readonly string[], batch: FactoredBatch, xFlat: Vector, out: ScoreBuffers): void {
    const n = this.sharedDim;
    const k = this.armDim;
    const count = itemIds.length;
    let armed = 0;
    for (let c = 0; c < count; c++) if (this.arms.has(itemIds[c]!)) armed++;
    const { space, denseAt } = this.factored.load(batch, count, armed, this.mutations, () => this.beta0());
    const armRows =
      this.armRows.length >= armed
        ? this.armRows
        : (this.armRows = new Int32Array(Math.max(armed, 2 * this.armRows.length)));
    let row = 0;
    for (let c = 0; c < count; c++) {
      const arm = armed === 0 ? undefined : this.arms.get(itemIds[c]!);
      if (arm === undefined) {
        this.priorParts(xFlat, c * k, out.mean, out.bonus, c);
        continue;
      }
      const at = denseAt + row * n;
      materializeShared(batch, c, n, space, at);
      this.armParts(arm, xFlat, c * k, at, out.mean, out.bonus, c);
      armRows[row++] = c;
    }
    const { forms, dots } = this.factored.forms(count);
    if (armed > 0) {
      this.shared.denseForms(denseAt, armed, count);
      for (let r = 0; r < armed; r++) {
        forms[armRows[r]!] = forms[count + r]!;
        dots[armRows[r]!] = dots[count + r]!;
      }
    }
    this.combine(count, forms, dots, out);
  }

  /**
   * mean = u·β̂ + the rest, bonus = α·√(uᵀA0⁻¹u + the rest), for the first `count` items; the rests were
   * left in out.mean and out.bonus.
   */
  private combine(count: number, forms: Float64Array, dots: Float64Array, out: ScoreBuffers): void {
    for (let c = 0; c < count; c++) {
      const mean = dots[c]! + out.mean[c]!;
      const bonus = this.alpha * Math.sqrt(Math.max(0, forms[c]! + out.bonus[c]!));
      out.mean[c] = mean;
      out.bonus[c] = bonus;
      out.ucb[c] = mean + bonus;
    }
  }

  /** An item without statistics: its x part of the variance under the prior (mean part 0). */
  private priorParts(
    xFlat: Vector,
    xOffset: number,
    meanRest: Float64Array,
    varianceRest: Float64Array,
    c: number,
  ): void {
    let xx = 0;
    for (let i = 0; i < this.armDim; i++) xx += xFlat[xOffset + i]! * xFlat[xOffset + i]!;
    meanRest[c] = 0;
    varianceRest[c] = xx / this.lambda;
  }

  /** An item with statistics: see `ArmStats.scoreParts`; the n values of its z are at `at` in the kernel's rows. */
  private armParts(
    arm: ArmStats,
    xFlat: Vector,
    xOffset: number,
    at: number,
    meanRest: Float64Array,
    varianceRest: Float64Array,
    c: number,
  ): void {
    const parts = arm.scoreParts(
      xFlat,
      xOffset,
      (y) => this.shared.armResidual(at, arm.bMatrix, y),
      this.armScratch,
      this.armScratch2,
      this.sharedScratch,
    );
    meanRest[c] = parts.mean;
    varianceRest[c] = parts.variance;
  }

  /**
   * The terms of the item's mean (`score`'s expected reward), for explanations: writes β̂_i·z_i into
   * `shared` (sharedDim values) and returns θ̂_a·x, the item's own part, with θ̂_a = A_a⁻¹(b_a − B_aβ̂)
   * (0 for an item without statistics). The mean is u·β̂ + y·(B_aβ̂) + xᵀθ̂_a with u = z − B_aᵀy, which
   * is z·β̂ + xᵀθ̂_a: the terms sum to it up to rounding. Off the hot path (O(k·n) per item).
   */
  meanTerms(itemId: string, z: Vector, x: Vector, shared: Float64Array, zOffset = 0, xOffset = 0): number {
    const n = this.sharedDim;
    const k = this.armDim;
    const beta = this.beta0();
    for (let i = 0; i < n; i++) shared[i] = beta[i]! * z[zOffset + i]!;
    const arm = this.arms.get(itemId);
    if (arm === undefined) return 0;
    const own = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let bBeta = 0;
      for (let j = 0; j < n; j++) bBeta += arm.bMatrix[i * n + j]! * beta[j]!;
      own[i] = arm.b[i]! - bBeta;
    }
    let item = 0;
    for (let i = 0; i < k; i++) {
      let theta = 0;
      for (let m = 0; m < k; m++) theta += arm.aInverse[i * k + m]! * own[m]!;
      item += theta * x[xOffset + i]!;
    }
    return item;
  }

  /** Adds one observation of `itemId`. Throws (changing nothing) on a non-finite input. */
  update(itemId: string, z: Vector, x: Vector, reward: number, zOffset = 0, xOffset = 0): void {
    checkFinite("reward", reward);
    for (let i = 0; i < this.sharedDim; i++) checkFinite("z", z[zOffset + i]!);
    for (let i = 0; i < this.armDim; i++) checkFinite("x", x[xOffset + i]!);
    const arm = this.touchArm(itemId);
    const n = this.sharedDim;
    const y = this.armScratch;
    matVec(arm.aInverse, this.armDim, this.armDim, x, xOffset, y);
    const s = dot(y, x, xOffset, this.armDim);
    const g = dot(y, arm.b, 0, this.armDim);
    // e = z − B_aᵀA_a⁻¹x, with the arm's statistics before this observation.
    const e = this.shared.vector;
    arm.residual(z, zOffset, y, e);
    const c = 1 / (1 + s);
    this.shared.addOuterToA(c);
    const bScale = (reward - g) * c;
    for (let j = 0; j < n; j++) this.b0[j]! += bScale * e[j]!;
    if (++this.sinceRefresh >= this.refreshEvery) this.refreshShared();
    else this.shared.shermanMorrison(c);
    arm.add(z, zOffset, x, xOffset, reward, this.refreshEvery, this.armScratch2);
    this.updates++;
    this.changed();
  }

  /**
   * Takes back observations `update` added, given with the same inputs (DeleteUser's exact forgetting):
   * afterwards the statistics are those of a model that never had them, up to rounding, because A0, b0
   * and each item's sums are functions of the sums alone. Each is `update` inverted: the item's sums lose
   * the observation, then A0 and b0 lose the rank-1 term it added, computed with the item as it is
   * without it (e, s and g of `update` are those of the item's statistics before the observation). An
   * item left with no observation loses its statistics, as if never updated. An item without statistics
   * (evicted: its evidence went to the shared model) loses the observation from A0 and b0 as a plain z
   * term, which is exact when the eviction took the observation along. A0⁻¹ is recomputed exactly once
   * at the end. Throws (changing nothing) on a non-finite input; returns how many were taken back.
   */
  remove(observations: readonly BanditObservation[]): number {
    for (const { z, x, reward } of observations) {
      checkFinite("reward", reward);
      if (z.length !== this.sharedDim || x.length !== this.armDim) throw new RangeError("remove: wrong dimensions");
      for (let i = 0; i < this.sharedDim; i++) checkFinite("z", z[i]!);
      for (let i = 0; i < this.armDim; i++) checkFinite("x", x[i]!);
    }
    const n = this.sharedDim;
    const e = this.shared.vector;
    for (const { itemId, z, x, reward } of observations) {
      const arm = this.arms.get(itemId);
      if (arm === undefined || arm.updates === 0) {
        for (let j = 0; j < n; j++) e[j] = z[j]!;
        this.shared.addOuterToA(-1);
        for (let j = 0; j < n; j++) this.b0[j]! -= reward * z[j]!;
      } else {
        arm.remove(z, 0, x, 0, reward);
        const y = this.armScratch;
        matVec(arm.aInverse, this.armDim, this.armDim, x, 0, y);
        const s = dot(y, x, 0, this.armDim);
        const g = dot(y, arm.b, 0, this.armDim);
        arm.residual(z, 0, y, e);
        const c = 1 / (1 + s);
        this.shared.addOuterToA(-c);
        const bScale = (reward - g) * c;
        for (let j = 0; j < n; j++) this.b0[j]! -= bScale * e[j]!;
        if (arm.updates === 0) this.arms.delete(itemId);
      }
      this.updates--;
    }
    if (observations.length > 0) this.refreshShared();
    return observations.length;
  }

  /** Recomputes A0⁻¹ and every item's A_a⁻¹ exactly (Cholesky), discarding Sherman–Morrison rounding. */
  refresh(): void {
    for (const arm of this.arms.values()) arm.refresh();
    this.refreshShared();
  }

  /** Recomputes A0⁻¹ only: the periodic refresh (item inverses refresh on their own update counts). */
  private refreshShared(): void {
    const n = this.sharedDim;
    if (!invertSpd(this.a0, n, this.a0Inverse, new Float64Array(n * n))) {
      throw new Error("HybridLinUCB: A0 is not positive definite; the statistics are corrupt");
    }
    this.sinceRefresh = 0;
    this.changed();
  }

  /** β̂ = A0⁻¹b0, the shared coefficients (a copy). */
  beta(): Float64Array {
    return this.beta0().slice();
  }

  /** The whole model as bytes, for snapshots; restores to identical scores. */
  exportState(): Uint8Array {
    return encodeHybridState({
      options: {
        sharedDim: this.sharedDim,
        armDim: this.armDim,
        alpha: this.alpha,
        lambda: this.lambda,
        refreshEvery: this.refreshEvery,
        maxArms: this.maxArms,
      },
      updateCount: this.updates,
      a0: this.a0,
      b0: this.b0,
      arms: this.arms,
    });
  }

  /** A model from `exportState` output (inverses recomputed exactly). */
  static fromState(bytes: Uint8Array): HybridLinUCB {
    const state = decodeHybridState(bytes);
    const model = new HybridLinUCB(state.options);
    model.a0.set(state.a0);
    model.b0.set(state.b0);
    model.updates = state.updateCount;
    for (const [itemId, arm] of state.arms) model.arms.set(itemId, arm);
    model.refreshShared();
    return model;
  }

  private get a0(): Float64Array {
    return this.shared.a;
  }

  private get a0Inverse(): Float64Array {
    return this.shared.aInverse;
  }

  private get b0(): Float64Array {
    return this.shared.b;
  }

  /** A0⁻¹ or b0 changed: β̂ is stale and the factored scoring's products too. */
  private changed(): void {
    this.betaStale = true;
    this.mutations++;
  }

  private beta0(): Float64Array {
    if (this.betaStale) {
      this.shared.updateBeta();
      this.betaStale = false;
    }
    return this.shared.beta;
  }

  /** The item's statistics, created (evicting the least recently updated if full) and marked most recent. */
  private touchArm(itemId: string): ArmStats {
    return touchArm(
      this.arms,
      itemId,
      this.maxArms,
      () => new ArmStats(this.armDim, this.sharedDim, this.lambda),
      (evicted) => {
        // An evicted item hands its evidence back to the shared model, as if it never had per-item features.
        const { rows, vector } = evicted.sharedContribution();
        this.shared.absorb(rows, vector);
        this.changed();
      },
    );
  }
}
