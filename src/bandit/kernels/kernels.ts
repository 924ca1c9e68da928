import { KERNELS_WASM_BASE64 } from "./kernels-wasm";

/**
 * The scoring and retrieval hot loops in WebAssembly SIMD (`kernels.wat`): 4–5× the plain-loop
 * speed of the same float64 arithmetic here (`npm run bench:micro`). Each owner gets its own instance
 * and memory and lays its arrays out in it; views into that memory are remade whenever it grows.
 */
interface KernelExports {
  memory: WasmMemory;
  quadraticForms(a: number, n: number, u: number, count: number, out: number, w: number, dots: number): void;
  dotRows(m: number, rows: number, dim: number, q: number, out: number): void;
  dotRowsAbove(m: number, rows: number, dim: number, q: number, step: number, bar: number, outIdx: number, outDot: number): number;
  addOuter(m: number, n: number, v: number, scale: number): void;
  matVec(m: number, rows: number, cols: number, u: number, out: number): void;
  shermanMorrison(inv: number, n: number, v: number, c: number, scratch: number): number;
  armResidual(u: number, n: number, b: number, k: number, y: number, beta: number, bBeta: number): void;
  factorProducts(inv: number, n: number, m: number, start: number, row: number, value: number, beta: number, ht: number, h: number, g: number, pb: number): void;
  sparseForms(h: number, m: number, inv: number, n: number, beta: number, w: number, count: number, start: number, index: number, value: number, forms: number, dots: number): void;
}

/** The little of the WebAssembly API used here (the ES lib this project compiles against has no types for it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const WASM_PAGE = 65_536;
const compiled = new wasm.Module(Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)));

function instantiate(): KernelExports {
  return new wasm.Instance(compiled).exports as KernelExports;
}

/** Grows `memory` to at least `bytes` (existing bytes kept; views made before are detached). */
function reserve(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
}

const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;

/**
 * A growable float32 matrix of `dim`-long rows kept in WebAssembly memory, and the dot product of
 * every row with a query (float32 arithmetic, float64 results), for similarity scans over the catalog.
 */
export class Float32Rows {
  private readonly kernel = instantiate();
  private capacity = 0;
  private matrix!: Float32Array;
  private query!: Float32Array;
  private results!: Float64Array;
  private found!: Int32Array;

  constructor(
    readonly dim: number,
    initialRows = 1024,
  ) {
    this.ensureRows(initialRows);
  }

  /** How many rows fit before the next growth. */
  get rowCapacity(): number {
    return this.capacity;
  }

  /** Every row held, row-major: a view valid until the rows grow. */
  get values(): Float32Array {
    return this.matrix;
  }

  /** Writes row `index` (< rowCapacity) from `values[0 .. dim)`. */
  setRow(index: number, values: Float32Array): void {
    if (index < 0 || index >= this.capacity) throw new RangeError(`row ${index} is outside 0..${this.capacity - 1}`);
    this.matrix.set(values.subarray(0, this.dim), index * this.dim);
  }

  /** Makes room for at least `rows` rows, keeping the rows written (new rows are zero). */
  ensureRows(rows: number): void {
    if (rows <= this.capacity) return;
    const dim = this.dim;
    const before = this.capacity;
    this.capacity = Math.max(rows, before * 2);
    // Matrix first, so growing keeps it in place; the query and results (scratch) move after it.
    const queryAt = align8(this.capacity * dim * 4);
    const resultsAt = align8(queryAt + dim * 4);
    const foundAt = resultsAt + this.capacity * 8;
    reserve(this.kernel.memory, foundAt + this.capacity * 4);
    const buffer = this.kernel.memory.buffer;
    this.matrix = new Float32Array(buffer, 0, this.capacity * dim);
    this.matrix.fill(0, before * dim);
    this.query = new Float32Array(buffer, queryAt, dim);
    this.results = new Float64Array(buffer, resultsAt, this.capacity);
    this.found = new Int32Array(buffer, foundAt, this.capacity);
  }

  /** out[r] = row r · query for r < rows, in float32 arithmetic (the query rounded to float32): a view valid until the next call. */
  dots(query: Float64Array | Float32Array, rows: number): Float64Array {
    if (rows > this.capacity) throw new RangeError(`${rows} rows asked, ${this.capacity} held`);
    if (query.length !== this.dim) throw new RangeError(`query has ${query.length} values, rows have ${this.dim}`);
    this.query.set(query);
    this.kernel.dotRows(this.matrix.byteOffset, rows, this.dim, this.query.byteOffset, this.results.byteOffset);
    return this.results.subarray(0, rows);
  }

  /**
   * The rows r = 0, step, 2·step, … < rows whose dot with the query (as `dots` computes it) is above
   * `bar`, in row order: `indices[i]` and `dots[i]` for i < count, views valid until the next call.
   */
  above(query: Float64Array | Float32Array, rows: number, step: number, bar: number): { count: number; indices: Int32Array; dots: Float64Array } {
    if (rows > this.capacity) throw new RangeError(`${rows} rows asked, ${this.capacity} held`);
    if (query.length !== this.dim) throw new RangeError(`query has ${query.length} values, rows have ${this.dim}`);
    if (!(step >= 1)) throw new RangeError(`step must be at least 1, got ${step}`);
    this.query.set(query);
    const count = this.kernel.dotRowsAbove(this.matrix.byteOffset, rows, this.dim, this.query.byteOffset, step, bar, this.found.byteOffset, this.results.byteOffset);
    return { count, indices: this.found, dots: this.results };
  }
}

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
    return this.kernel.shermanMorrison(this.aInverse.byteOffset, this.n, this.vector.byteOffset, c, this.scratch.byteOffset);
  }

  /** A0 += Σ_i r_i r_iᵀ over the k rows r_i of `rows` (k×n), A0⁻¹ kept current, and b0 += `vector`: an evicted item's evidence handed back. */
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
    this.kernel.armResidual(this.candidates.byteOffset + at * 8, n, this.armB.byteOffset, k, this.armY.byteOffset, this.beta.byteOffset, this.armBBeta.byteOffset);
    return this.armBBeta;
  }

  /**
   * forms[c] = w_cᵀG w_c and dots[c] = w_c·factorVector for `count` rows of width m at the start of
   * `space`: the factored scoring's dense part. Views over the whole output capacity, valid until the next call.
   */
  factoredForms(m: number, count: number): { forms: Float64Array; dots: Float64Array } {
    if (m > this.n) throw new RangeError(`factored width ${m} exceeds the shared dimension ${this.n}`);
    if (count * m > this.candidates.length || count > this.forms.length) throw new RangeError(`factoredForms(${m}, ${count}) needs space() first`);
    this.kernel.quadraticForms(this.factorMatrix.byteOffset, m, this.candidates.byteOffset, count, this.forms.byteOffset, this.factorVector.byteOffset, this.dots.byteOffset);
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
    this.kernel.factorProducts(this.aInverse.byteOffset, this.n, m, at + startAt * 8, at + rowAt * 8, at + valueAt * 8, this.beta.byteOffset, this.factorRowsT.byteOffset, this.factorRows.byteOffset, this.factorMatrix.byteOffset, this.factorVector.byteOffset);
  }

  /**
   * Adds the sparse terms' parts to forms and dots (after `factoredForms`) for `count` rows of width m
   * at the start of `space`, the terms' starts, indices and values at those value offsets of `space`.
   */
  sparseForms(m: number, count: number, startAt: number, indexAt: number, valueAt: number): { forms: Float64Array; dots: Float64Array } {
    const at = this.candidates.byteOffset;
    this.kernel.sparseForms(this.factorRows.byteOffset, m, this.aInverse.byteOffset, this.n, this.beta.byteOffset, at, count, at + startAt * 8, at + indexAt * 8, at + valueAt * 8, this.forms.byteOffset, this.dots.byteOffset);
    return { forms: this.forms, dots: this.dots };
  }

  /**
   * forms[out + r] = u_rᵀA0⁻¹u_r and dots[out + r] = u_r·β̂ for `count` rows of width n starting at value
   * offset `at` of `space`. Views over the whole output capacity, valid until the next call.
   */
  denseForms(at: number, count: number, out: number): { forms: Float64Array; dots: Float64Array } {
    const n = this.n;
    if (at + count * n > this.candidates.length || out + count > this.forms.length) throw new RangeError(`denseForms(${at}, ${count}, ${out}) outside space()`);
    this.kernel.quadraticForms(this.aInverse.byteOffset, n, this.candidates.byteOffset + at * 8, count, this.forms.byteOffset + out * 8, this.beta.byteOffset, this.dots.byteOffset + out * 8);
    return { forms: this.forms, dots: this.dots };
  }

  /** forms[c] = u_cᵀA0⁻¹u_c and dots[c] = u_c·β̂ for the first `count` rows: views valid until the next call. */
  score(count: number): { forms: Float64Array; dots: Float64Array } {
    if (count > this.capacity) throw new RangeError(`score(${count}) after rows(${this.capacity}): write the rows first`);
    const n = this.n;
    this.kernel.quadraticForms(this.aInverse.byteOffset, n, this.candidates.byteOffset, count, this.forms.byteOffset, this.beta.byteOffset, this.dots.byteOffset);
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
