import {
  addOuter,
  cholesky,
  invertLowerInPlace,
  invertSpd,
  matVec,
  scaledIdentity,
  shermanMorrison,
  type Vector,
} from "./dense";

/**
 * One item's statistics in hybrid LinUCB (Li et al. 2010, Algorithm 2), all sums over that item's
 * updates: A_a = λI + Σ xxᵀ, B_a = Σ x zᵀ, b_a = Σ r·x. Memory: 8·(2k² + k·n + k) bytes for arm
 * dimension k and shared dimension n.
 */
export class ArmStats {
  /** A_a, k×k. */
  readonly a: Float64Array;
  /** A_a⁻¹, kept by Sherman–Morrison and recomputed every `refreshEvery` updates of this arm. */
  readonly aInverse: Float64Array;
  /** B_a, k×n row-major. */
  readonly bMatrix: Float64Array;
  /** b_a. */
  readonly b: Float64Array;
  /** Updates this arm holds. */
  updates = 0;
  private sinceRefresh = 0;

  constructor(
    readonly armDim: number,
    readonly sharedDim: number,
    lambda: number,
  ) {
    this.a = scaledIdentity(armDim, lambda);
    this.aInverse = scaledIdentity(armDim, 1 / lambda);
    this.bMatrix = new Float64Array(armDim * sharedDim);
    this.b = new Float64Array(armDim);
  }

  /** Adds one observation to the arm's sums and keeps A_a⁻¹ current. */
  add(
    z: Vector,
    zOffset: number,
    x: Vector,
    xOffset: number,
    reward: number,
    refreshEvery: number,
    scratch: Float64Array,
  ): void {
    const k = this.armDim;
    const n = this.sharedDim;
    addOuter(this.a, k, x, xOffset, 1);
    for (let i = 0; i < k; i++) {
      const xi = x[xOffset + i]!;
      this.b[i]! += reward * xi;
      if (xi === 0) continue;
      const row = i * n;
      for (let j = 0; j < n; j++) this.bMatrix[row + j]! += xi * z[zOffset + j]!;
    }
    this.updates++;
    if (++this.sinceRefresh >= refreshEvery) this.refresh();
    else shermanMorrison(this.aInverse, k, x, xOffset, 1, scratch);
  }

  /**
   * Takes one observation added by `add` back out of the sums (the exact inverse of `add`, up to
   * rounding) and recomputes A_a⁻¹ from A_a: a downdate by Sherman–Morrison loses precision.
   */
  remove(z: Vector, zOffset: number, x: Vector, xOffset: number, reward: number): void {
    const k = this.armDim;
    const n = this.sharedDim;
    addOuter(this.a, k, x, xOffset, -1);
    for (let i = 0; i < k; i++) {
      const xi = x[xOffset + i]!;
      this.b[i]! -= reward * xi;
      if (xi === 0) continue;
      const row = i * n;
      for (let j = 0; j < n; j++) this.bMatrix[row + j]! -= xi * z[zOffset + j]!;
    }
    this.updates--;
    this.refresh();
  }

  /**
   * The item's parts of its score outside u·β̂ and uᵀA0⁻¹u (u = z − B_aᵀy, y = A_a⁻¹x): the mean's
   * y·(B_aβ̂) + xᵀθ̂_a with θ̂_a = A_a⁻¹(b_a − B_aβ̂), and the variance's xᵀy. `residual(y)` takes B_aᵀy off
   * the item's u wherever it is kept and returns B_aβ̂ (the kernel does both in one pass over B_a).
   * `y`, `bBeta` and `own` are scratch of at least k values. The returned object is reused.
   */
  scoreParts(
    x: Vector,
    xOffset: number,
    residual: (y: Float64Array) => Float64Array,
    y: Float64Array,
    bBeta: Float64Array,
    own: Float64Array,
  ): { mean: number; variance: number } {
    const k = this.armDim;
    matVec(this.aInverse, k, k, x, xOffset, y);
    bBeta.set(residual(y));
    for (let i = 0; i < k; i++) own[i] = this.b[i]! - bBeta[i]!;
    let mean = 0;
    let xy = 0;
    for (let i = 0; i < k; i++) {
      let theta = 0;
      for (let m = 0; m < k; m++) theta += this.aInverse[i * k + m]! * own[m]!;
      mean += theta * x[xOffset + i]! + y[i]! * bBeta[i]!;
      xy += y[i]! * x[xOffset + i]!;
    }
    this.parts.mean = mean;
    this.parts.variance = xy;
    return this.parts;
  }

  private readonly parts = { mean: 0, variance: 0 };

  /** out = z − B_aᵀy (z read from `z[zOffset .. zOffset+n)`). */
  residual(z: Vector, zOffset: number, y: Float64Array, out: Float64Array, outOffset = 0): void {
    const n = this.sharedDim;
    for (let j = 0; j < n; j++) out[outOffset + j] = z[zOffset + j]!;
    for (let i = 0; i < this.armDim; i++) {
      const yi = y[i]!;
      const row = i * n;
      for (let j = 0; j < n; j++) out[outOffset + j]! -= this.bMatrix[row + j]! * yi;
    }
  }

  /** Recomputes A_a⁻¹ from A_a exactly. */
  refresh(): void {
    if (!invertSpd(this.a, this.armDim, this.aInverse, new Float64Array(this.armDim * this.armDim))) {
      throw new Error("HybridLinUCB: an item's A is not positive definite; the statistics are corrupt");
    }
    this.sinceRefresh = 0;
  }

  /**
   * The arm's part of the shared statistics as k vectors v_j (rows of L⁻¹B_a, where A_a = LLᵀ) and
   * the vector B_aᵀA_a⁻¹b_a: B_aᵀA_a⁻¹B_a = Σ_j v_j v_jᵀ. Used to hand the arm's evidence back to the
   * shared model when the arm is evicted.
   */
  sharedContribution(): { rows: Float64Array; vector: Float64Array } {
    const k = this.armDim;
    const n = this.sharedDim;
    const lowerInverse = new Float64Array(k * k);
    if (!cholesky(this.a, k, lowerInverse)) throw new Error("HybridLinUCB: an item's A is not positive definite");
    invertLowerInPlace(lowerInverse, k);
    const rows = new Float64Array(k * n);
    const lb = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      for (let m = 0; m <= i; m++) {
        const l = lowerInverse[i * k + m]!;
        lb[i]! += l * this.b[m]!;
        for (let j = 0; j < n; j++) rows[i * n + j]! += l * this.bMatrix[m * n + j]!;
      }
    }
    const vector = new Float64Array(n);
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) vector[j]! += rows[i * n + j]! * lb[i]!;
    return { rows, vector };
  }
}

/**
 * The item's statistics in `arms` (kept least recently updated first: a Map keeps insertion order and a
 * touch re-inserts), made with `make` if new — first evicting the oldest, handed to `evict`, when
 * `capacity` are held — and now the most recent.
 */
export function touchArm(
  arms: Map<string, ArmStats>,
  itemId: string,
  capacity: number,
  make: () => ArmStats,
  evict: (arm: ArmStats) => void,
): ArmStats {
  let arm = arms.get(itemId);
  if (arm !== undefined) arms.delete(itemId);
  else {
    if (arms.size >= capacity) {
      const oldest = arms.entries().next();
      if (oldest.done !== true) {
        arms.delete(oldest.value[0]);
        evict(oldest.value[1]);
      }
    }
    arm = make();
  }
  arms.set(itemId, arm);
  return arm;
}
