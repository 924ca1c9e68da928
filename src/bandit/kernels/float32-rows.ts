import { align8, instantiate, reserve } from "./instance";

/**
 * A growable float32 matrix of `dim`-long rows kept in WebAssembly memory, and the rows whose dot
 * product with a query (float32 arithmetic, float64 results) clears a bar, for similarity scans over
 * the catalog.
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

  /**
   * The rows r = 0, step, 2·step, … < rows whose dot with the query (as `dots` computes it) is above
   * `bar`, in row order: `indices[i]` and `dots[i]` for i < count, views valid until the next call.
   */
  above(
    query: Float64Array | Float32Array,
    rows: number,
    step: number,
    bar: number,
  ): { count: number; indices: Int32Array; dots: Float64Array } {
    if (rows > this.capacity) throw new RangeError(`${rows} rows asked, ${this.capacity} held`);
    if (query.length !== this.dim) throw new RangeError(`query has ${query.length} values, rows have ${this.dim}`);
    if (!(step >= 1)) throw new RangeError(`step must be at least 1, got ${step}`);
    this.query.set(query);
    const count = this.kernel.dotRowsAbove(
      this.matrix.byteOffset,
      rows,
      this.dim,
      this.query.byteOffset,
      step,
      bar,
      this.found.byteOffset,
      this.results.byteOffset,
    );
    return { count, indices: this.found, dots: this.results };
  }
}
