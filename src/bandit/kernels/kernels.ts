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
  addOuter(m: number, n: number, v: number, scale: number): void;
  matVec(m: number, rows: number, cols: number, u: number, out: number): void;
  shermanMorrison(inv: number, n: number, v: number, c: number, scratch: number): number;
  armResidual(u: number, n: number, b: number, k: number, y: number, beta: number, bBeta: number): void;
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
 * every row with a query (float64 sums), for similarity scans over the catalog.
 */
export class Float32Rows {
  private readonly kernel = instantiate();
  private capacity = 0;
  private matrix!: Float32Array;
  private query!: Float64Array;
  private results!: Float64Array;

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
    const resultsAt = queryAt + dim * 8;
    reserve(this.kernel.memory, resultsAt + this.capacity * 8);
    const buffer = this.kernel.memory.buffer;
    this.matrix = new Float32Array(buffer, 0, this.capacity * dim);
    this.matrix.fill(0, before * dim);
    this.query = new Float64Array(buffer, queryAt, dim);
    this.results = new Float64Array(buffer, resultsAt, this.capacity);
  }

  /** out[r] = row r · query for r < rows: a view valid until the next call. */
  dots(query: Float64Array | Float32Array, rows: number): Float64Array {
    if (rows > this.capacity) throw new RangeError(`${rows} rows asked, ${this.capacity} held`);
    if (query.length !== this.dim) throw new RangeError(`query has ${query.length} values, rows have ${this.dim}`);
    this.query.set(query);
    this.kernel.dotRows(this.matrix.byteOffset, rows, this.dim, this.query.byteOffset, this.results.byteOffset);
    return this.results.subarray(0, rows);
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
   * For candidate row `row` of an item with statistics B (k×n) and y: u_row −= Bᵀy, and returns Bβ̂ (a
   * view valid until the next call). Call after `rows`, before `score`.
   */
  armResidual(row: number, b: Float64Array, y: Float64Array): Float64Array {
    const { n, k } = this;
    this.armB.set(b.length === k * n ? b : b.subarray(0, k * n));
    this.armY.set(y.length === k ? y : y.subarray(0, k));
    this.kernel.armResidual(this.candidates.byteOffset + row * n * 8, n, this.armB.byteOffset, k, this.armY.byteOffset, this.beta.byteOffset, this.armBBeta.byteOffset);
    return this.armBBeta;
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
    const candidatesAt = 2 * matrix + 4 * vector;
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
    this.candidates = new Float64Array(buffer, candidatesAt, this.capacity * n);
    this.forms = new Float64Array(buffer, formsAt, this.capacity);
    this.dots = new Float64Array(buffer, dotsAt, this.capacity);
    this.armB = new Float64Array(buffer, armAt, k * n);
    this.armY = new Float64Array(buffer, armAt + k * n * 8, k);
    this.armBBeta = new Float64Array(buffer, armAt + (k * n + k) * 8, k);
  }
}
