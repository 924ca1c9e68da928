/**
 * Small dense linear algebra on row-major Float64Arrays, written as plain loops because these run on
 * the scoring hot path (ml-matrix allocates per call). Matrices are n×n unless stated.
 */

/** A feature vector as stored (serving contexts keep Float32) or computed (Float64). */
export type Vector = Float64Array | Float32Array;

/** uᵀMu for a symmetric M, reading u from `u[offset .. offset+n)`. Uses only M's upper triangle. */
export function quadraticForm(m: Float64Array, n: number, u: Vector, offset = 0): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const ui = u[offset + i]!;
    if (ui === 0) continue;
    const row = i * n;
    // Four independent sums let the CPU overlap the multiply-adds (measurably faster at n ≥ 32).
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let j = i + 1;
    for (; j + 3 < n; j += 4) {
      c0 += m[row + j]! * u[offset + j]!;
      c1 += m[row + j + 1]! * u[offset + j + 1]!;
      c2 += m[row + j + 2]! * u[offset + j + 2]!;
      c3 += m[row + j + 3]! * u[offset + j + 3]!;
    }
    for (; j < n; j++) c0 += m[row + j]! * u[offset + j]!;
    total += ui * (m[row + i]! * ui + 2 * (c0 + c1 + c2 + c3));
  }
  return total;
}

/** out = M·u for a rows×cols M, reading u from `u[offset .. offset+cols)`. */
export function matVec(
  m: Float64Array,
  rows: number,
  cols: number,
  u: Vector,
  offset: number,
  out: Float64Array,
): void {
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += m[row + j]! * u[offset + j]!;
    out[i] = sum;
  }
}

/** Σ a[i]·u[offset+i] over i < n. */
export function dot(a: Float64Array, u: Vector, offset: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]! * u[offset + i]!;
  return sum;
}

/** M += scale·vvᵀ, reading v from `v[offset .. offset+n)`. */
export function addOuter(m: Float64Array, n: number, v: Vector, offset: number, scale: number): void {
  for (let i = 0; i < n; i++) {
    const si = scale * v[offset + i]!;
    if (si === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) m[row + j]! += si * v[offset + j]!;
  }
}

/**
 * Keeps `inv` = M⁻¹ current when M += c·vvᵀ (Sherman–Morrison, O(n²)). `scratch` holds n numbers and
 * ends up holding M⁻¹v (before the update). Returns vᵀM⁻¹v before the update.
 */
export function shermanMorrison(
  inv: Float64Array,
  n: number,
  v: Vector,
  offset: number,
  c: number,
  scratch: Float64Array,
): number {
  matVec(inv, n, n, v, offset, scratch);
  const s = dot(scratch, v, offset, n);
  const k = c / (1 + c * s);
  for (let i = 0; i < n; i++) {
    const wi = k * scratch[i]!;
    if (wi === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) inv[row + j]! -= wi * scratch[j]!;
  }
  return s;
}

/**
 * Lower-triangular L with LLᵀ = A, written into `lower` (upper part zeroed). Returns false, leaving
 * `lower` unspecified, when A is not (numerically) positive definite.
 */
export function cholesky(a: Float64Array, n: number, lower: Float64Array): boolean {
  lower.fill(0);
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j]!;
    for (let k = 0; k < j; k++) diag -= lower[j * n + k]! * lower[j * n + k]!;
    if (!(diag > 0)) return false;
    const ljj = Math.sqrt(diag);
    lower[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= lower[i * n + k]! * lower[j * n + k]!;
      lower[i * n + j] = sum / ljj;
    }
  }
  return true;
}

/** Overwrites a lower-triangular L (as `cholesky` leaves it) with L⁻¹, in place. */
export function invertLowerInPlace(lower: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    lower[j * n + j] = 1 / lower[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum -= lower[i * n + k]! * lower[k * n + j]!;
      lower[i * n + j] = sum / lower[i * n + i]!;
    }
  }
}

/**
 * out = A⁻¹ for a symmetric positive definite A, through Cholesky (A = LLᵀ, A⁻¹ = L⁻ᵀL⁻¹). `work`
 * holds n² numbers. Returns false, leaving `out` untouched, when A is not positive definite.
 */
export function invertSpd(a: Float64Array, n: number, out: Float64Array, work: Float64Array): boolean {
  if (!cholesky(a, n, work)) return false;
  invertLowerInPlace(work, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      // (L⁻ᵀL⁻¹)_ij = Σ_k L⁻¹_ki L⁻¹_kj over k ≥ max(i, j) = i.
      let sum = 0;
      for (let k = i; k < n; k++) sum += work[k * n + i]! * work[k * n + j]!;
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return true;
}

/** λI as an n×n matrix. */
export function scaledIdentity(n: number, lambda: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = lambda;
  return m;
}
