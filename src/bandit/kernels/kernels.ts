import { instantiate, reserve } from "./instance";

/**
 * Hybrid LinUCB's shared statistics in WebAssembly memory, where the rank-1 updates and the batched
 * scoring run in SIMD (the same float64 arithmetic as dense.ts's loops, sums in another order): A0 and
 * A0⁻¹ (n×n), b0, β̂, two n-vectors of scratch, and rows for the candidates being scored. The memory
 * grows with the largest batch scored; the views are remade then, so take them from here each time
 * rather than keeping them across a `rows` call.
 */
export class SharedStatistics {
  private readonly kernel = instantiate();
  private capacity = 0;
  a!: Float64Array;
  aInverse!: Float64Array;
  b!: Float64Array;
  beta!: Float64Array;
  /** The vector an update or eviction hands to `addOuterToA`/`shermanMorrison`. */
  vector!: Float64Array;
  /** Holds A0⁻¹·vector after `shermanMorrison`. */
  scratch!: Float64Array;
  /** Factored scoring's per-request matrix G = PᵀA0⁻¹P (m×m, m ≤ n, row-major in the first m² values). */
  factorMatrix!: Float64Array;
  /** Factored scoring's per-request vector Pᵀβ̂ (first m values). */
  factorVector!: Float64Array;
  /** Factored scoring's A0⁻¹P (n×m, row-major in the first n·m values) and its transpose. */
  private factorRows!: Float64Array;
  private factorRowsT!: Float64Array;
  private candidates!: Float64Array;
  private forms!: Float64Array;
  private dots!: Float64Array;
  /** One item's B (k×n), y and Bβ̂ for `armResidual`. */
  private armB!: Float64Array;
  private armY!: Float64Array;
  private armBBeta!: Float64Array;

  /** n: the shared dimension; k: the per-item dimension. */
  constructor(
    readonly n: number,
    readonly k: number,
  ) {
    this.ensure(64);
  }

  /** A0 += scale·vector·vectorᵀ. */
  addOuterToA(scale: number): void {
    this.kernel.addOuter(this.a.byteOffset, this.n, this.vector.byteOffset, scale);
  }

  /** A0⁻¹ follows A0 += c·vector·vectorᵀ; returns vectorᵀA0⁻¹vector before the update. */
  shermanMorrison(c: number): number {
    return this.kernel.shermanMorrison(
      this.aInverse.byteOffset,
      this.n,
      this.vector.byteOffset,
      c,
      this.scratch.byteOffset,
    );
  }

  /**
   * A0 += Σ_i r_i r_iᵀ over the k rows r_i of `rows` (k×n), A0⁻¹ kept current, and b0 += `vector`: an evicted item's
   * evidence handed back.
   */
  absorb(rows: Float64Array, vector: Float64Array): void {
    const n = this.n;
    for (let i = 0; i < this.k; i++) {
      this.vector.set(rows.subarray(i * n, (i + 1) * n));
      this.addOuterToA(1);
      this.shermanMorrison(1);
    }
    for (let j = 0; j < n; j++) this.b[j]! += vector[j]!;
  }

  /** β̂ = A0⁻¹b0. */
  updateBeta(): void {
    this.kernel.matVec(this.aInverse.byteOffset, this.n, this.n, this.b.byteOffset, this.beta.byteOffset);
  }

  /**
   * Space for `count` vectors u of n values, row after row, to fill before `score(count)`: a view valid
   * until the next `rows` call, which may also remake every other view.
   */
  rows(count: number): Float64Array {
    this.ensure(count);
    return this.candidates.subarray(0, count * this.n);
  }

  /**
   * Space for `values` float64 values (rows of any width, back to back), with `forms`/`dots` room for
   * `outputs` results: a view valid until the next `rows`/`space` call, which may remake every view.
   */
  space(values: number, outputs: number): Float64Array {
    this.ensure(Math.max(Math.ceil(values / this.n), outputs));
    return this.candidates.subarray(0, values);
  }

  /**
   * For the n values at `at` (an offset into `rows`/`space`) of an item with statistics B (k×n) and y:
   * u −= Bᵀy, and returns Bβ̂ (a view valid until the next call). Call after `rows`, before `score`.
   */
  armResidual(at: number, b: Float64Array, y: Float64Array): Float64Array {
    const { n, k } = this;
    this.armB.set(b.length === k * n ? b : b.subarray(0, k * n));
    this.armY.set(y.length === k ? y : y.subarray(0, k));
    this.kernel.armResidual(
      this.candidates.byteOffset + at * 8,
      n,
      this.armB.byteOffset,
      k,
      this.armY.byteOffset,
      this.beta.byteOffset,
      this.armBBeta.byteOffset,
    );
    return this.armBBeta;
  }

  /**
   * forms[c] = w_cᵀG w_c and dots[c] = w_c·factorVector for `count` rows of width m at the start of
   * `space`: the factored scoring's dense part. Views over the whole output capacity, valid until the next call.
   */
  factoredForms(m: number, count: number): { forms: Float64Array; dots: Float64Array } {
    if (m > this.n) throw new RangeError(`factored width ${m} exceeds the shared dimension ${this.n}`);
    if (count * m > this.candidates.length || count > this.forms.length)
      throw new RangeError(`factoredForms(${m}, ${count}) needs space() first`);
    this.kernel.quadraticForms(
      this.factorMatrix.byteOffset,
      m,
      this.candidates.byteOffset,
      count,
      this.forms.byteOffset,
      this.factorVector.byteOffset,
      this.dots.byteOffset,
    );
    return { forms: this.forms, dots: this.dots };
  }

  /**
   * Factored scoring's per-request products for P (n×m) given by columns in `space` (starts, rows and
   * values at those value offsets, integers as float64): A0⁻¹P, G = PᵀA0⁻¹P and Pᵀβ̂, kept in the
   * kernel's memory for `sparseForms` and `factoredForms`.
   */
  factorProducts(m: number, startAt: number, rowAt: number, valueAt: number): void {
    if (m > this.n) throw new RangeError(`factored width ${m} exceeds the shared dimension ${this.n}`);
    const at = this.candidates.byteOffset;
    this.kernel.factorProducts(
      this.aInverse.byteOffset,
      this.n,
      m,
      at + startAt * 8,
      at + rowAt * 8,
      at + valueAt * 8,
      this.beta.byteOffset,
      this.factorRowsT.byteOffset,
      this.factorRows.byteOffset,
      this.factorMatrix.byteOffset,
      this.factorVector.byteOffset,
    );
  }

  /**
   * Adds the sparse terms' parts to forms and dots (after `factoredForms`) for `count` rows of width m
   * at the start of `space`, the terms' starts, indices and values at those value offsets of `space`.
   */
  sparseForms(
    m: number,
    count: number,
    startAt: number,
    indexAt: number,
    valueAt: number,
  ): { forms: Float64Array; dots: Float64Array } {
    const at = this.candidates.byteOffset;
    this.kernel.sparseForms(
      this.factorRows.byteOffset,
      m,
      this.aInverse.byteOffset,
      this.n,
      this.beta.byteOffset,
      at,
      count,
      at + startAt * 8,
      at + indexAt * 8,
      at + valueAt * 8,
      this.forms.byteOffset,
      this.dots.byteOffset,
    );
    return { forms: this.forms, dots: this.dots };
  }

  /**
   * forms[out + r] = u_rᵀA0⁻¹u_r and dots[out + r] = u_r·β̂ for `count` rows of width n starting at value
   * offset `at` of `space`. Views over the whole output capacity, valid until the next call.
   */
  denseForms(at: number, count: number, out: number): { forms: Float64Array; dots: Float64Array } {
    const n = this.n;
    if (at + count * n > this.candidates.length || out + count > this.forms.length)
      throw new RangeError(`denseForms(${at}, ${count}, ${out}) outside space()`);
    this.kernel.quadraticForms(
      this.aInverse.byteOffset,
      n,
      this.candidates.byteOffset + at * 8,
      count,
      this.forms.byteOffset + out * 8,
      this.beta.byteOffset,
      this.dots.byteOffset + out * 8,
    );
    return { forms: this.forms, dots: this.dots };
  }

  /** forms[c] = u_cᵀA0⁻¹u_c and dots[c] = u_c·β̂ for the first `count` rows: views valid until the next call. */
  score(count: number): { forms: Float64Array; dots: Float64Array } {
    if (count > this.capacity)
      throw new RangeError(`score(${count}) after rows(${this.capacity}): write the rows first`);
    const n = this.n;
    this.kernel.quadraticForms(
      this.aInverse.byteOffset,
      n,
      this.candidates.byteOffset,
      count,
      this.forms.byteOffset,
      this.beta.byteOffset,
      this.dots.byteOffset,
    );
    return { forms: this.forms.subarray(0, count), dots: this.dots.subarray(0, count) };
  }

  private ensure(count: number): void {
    if (count <= this.capacity) return;
    const n = this.n;
    this.capacity = Math.max(count, this.capacity * 2);
    const matrix = n * n * 8;
    const vector = n * 8;
    const candidatesAt = 5 * matrix + 5 * vector;
    const formsAt = candidatesAt + this.capacity * vector;
    const dotsAt = formsAt + this.capacity * 8;
    const armAt = dotsAt + this.capacity * 8;
    const k = this.k;
    reserve(this.kernel.memory, armAt + (k * n + 2 * k) * 8);
    // Growing keeps the bytes in place, so the statistics survive it; only the views are remade.
    const buffer = this.kernel.memory.buffer;
    this.a = new Float64Array(buffer, 0, n * n);
    this.aInverse = new Float64Array(buffer, matrix, n * n);
    this.b = new Float64Array(buffer, 2 * matrix, n);
    this.beta = new Float64Array(buffer, 2 * matrix + vector, n);
    this.vector = new Float64Array(buffer, 2 * matrix + 2 * vector, n);
    this.scratch = new Float64Array(buffer, 2 * matrix + 3 * vector, n);
    this.factorVector = new Float64Array(buffer, 2 * matrix + 4 * vector, n);
    this.factorMatrix = new Float64Array(buffer, 2 * matrix + 5 * vector, n * n);
    this.factorRows = new Float64Array(buffer, 3 * matrix + 5 * vector, n * n);
    this.factorRowsT = new Float64Array(buffer, 4 * matrix + 5 * vector, n * n);
    this.candidates = new Float64Array(buffer, candidatesAt, this.capacity * n);
    this.forms = new Float64Array(buffer, formsAt, this.capacity);
    this.dots = new Float64Array(buffer, dotsAt, this.capacity);
    this.armB = new Float64Array(buffer, armAt, k * n);
    this.armY = new Float64Array(buffer, armAt + k * n * 8, k);
    this.armBBeta = new Float64Array(buffer, armAt + (k * n + k) * 8, k);
  }
}
