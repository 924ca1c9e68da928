import type { FactoredBatch } from "../factored";
import type { SharedStatistics } from "./kernels";

/**
 * Puts a factored batch (`FactoredBatch`) into the kernel's memory for `HybridLinUCB.scoreFactored`: the
 * rows w, the sparse terms, room for the dense rows of items holding per-item statistics, and P's
 * columns; the per-request products (A0⁻¹P, G, Pᵀβ̂) are remade only when P (its stamp), the model's
 * state or the width changed since the last batch.
 */
export class FactoredKernel {
  private stamp = -1;
  private modelState = -1;
  private width = -1;
  private startAt = 0;
  private indexAt = 0;
  private valueAt = 0;

  constructor(private readonly shared: SharedStatistics) {}

  /**
   * Lays out `count` candidates of `batch` with room for `dense` rows of n values; `currentBeta` is
   * called once the memory has its final size, to bring β̂ up to date before the products read it.
   * Returns the space view (valid until the next layout) and where the dense rows start in it.
   */
  load(
    batch: FactoredBatch,
    count: number,
    dense: number,
    modelState: number,
    currentBeta: () => void,
  ): { space: Float64Array; denseAt: number } {
    const n = this.shared.n;
    const m = batch.width;
    if (m > n) throw new RangeError(`factored width ${m} exceeds the shared dimension ${n}`);
    const { termStart, columnStart } = batch;
    const first = termStart[0]!;
    const terms = termStart[count]! - first;
    const entries = columnStart[m]!;
    // In float64 values: w rows, dense rows, the terms' starts, indices and values, then P's columns.
    const denseAt = count * m;
    this.startAt = denseAt + dense * n;
    this.indexAt = this.startAt + count + 1;
    this.valueAt = this.indexAt + terms;
    const columnsAt = this.valueAt + terms;
    // space() first: growing the memory remakes the views, β̂ among them.
    const space = this.shared.space(columnsAt + m + 1 + 2 * entries, count + dense);
    currentBeta();
    space.set(batch.w.subarray(0, denseAt));
    for (let c = 0; c <= count; c++) space[this.startAt + c] = termStart[c]! - first;
    space.set(batch.termIndex.subarray(first, first + terms), this.indexAt);
    space.set(batch.termValue.subarray(first, first + terms), this.valueAt);
    if (batch.columnsStamp !== this.stamp || modelState !== this.modelState || m !== this.width) {
      space.set(columnStart.subarray(0, m + 1), columnsAt);
      space.set(batch.columnRow.subarray(0, entries), columnsAt + m + 1);
      space.set(batch.columnValue.subarray(0, entries), columnsAt + m + 1 + entries);
      this.shared.factorProducts(m, columnsAt, columnsAt + m + 1, columnsAt + m + 1 + entries);
      this.stamp = batch.columnsStamp;
      this.modelState = modelState;
      this.width = m;
    }
    return { space, denseAt };
  }

  /**
   * forms[c] = uᵀA0⁻¹u and dots[c] = u·β̂ for the `count` candidates of the last `load` (dense rows not yet included).
   */
  forms(count: number): { forms: Float64Array; dots: Float64Array } {
    this.shared.factoredForms(this.width, count);
    return this.shared.sparseForms(this.width, count, this.startAt, this.indexAt, this.valueAt);
  }
}
