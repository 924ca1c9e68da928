/**
 * Shared features of many candidates in factored form: z_c = P·w_c + Σ_t value_t·e_{index_t}, with P
 * (n×m) one per request, w_c a short dense row per candidate and a few sparse terms per candidate.
 * φ has this shape (P from the session and long-term vectors, w_c = [v_c; 1], the terms its hashed
 * crosses), and it lets `HybridLinUCB.scoreFactored` work in m dimensions per candidate instead of n.
 */
export interface FactoredBatch {
  /** Width m of each candidate's dense row. */
  readonly width: number;
  /**
   * P by columns: column j's entries are (columnRow[e], columnValue[e]) for e in [columnStart[j], columnStart[j+1]).
   */
  readonly columnStart: Int32Array;
  readonly columnRow: Int32Array;
  readonly columnValue: Float64Array;
  /**
   * Names P: equal stamps mean the same P, so the per-request products with the model can be reused
   * while the model does not change. Every new P takes a new stamp (`nextFactorStamp`).
   */
  readonly columnsStamp: number;
  /** w_c row after row (c·m .. c·m + m). */
  readonly w: Float64Array;
  /** Candidate c's sparse terms: (termIndex[t], termValue[t]) for t in [termStart[c], termStart[c+1]). */
  readonly termStart: Int32Array;
  readonly termIndex: Int32Array;
  readonly termValue: Float64Array;
}

let stamps = 0;

/** A stamp no P has had before. */
export function nextFactorStamp(): number {
  return ++stamps;
}

/**
 * Writes z_c in full into out[offset .. offset + n): zeros, then P's columns scaled by w_c in column
 * order, then the terms in order (the order φ's own builder adds them in, so the result is the same
 * to the bit, but for a −0 coming out as 0).
 */
export function materializeShared(batch: FactoredBatch, c: number, n: number, out: Float64Array, offset: number): void {
  out.fill(0, offset, offset + n);
  const m = batch.width;
  const { columnStart, columnRow, columnValue, w, termStart, termIndex, termValue } = batch;
  for (let j = 0; j < m; j++) {
    const wj = w[c * m + j]!;
    for (let e = columnStart[j]!; e < columnStart[j + 1]!; e++) out[offset + columnRow[e]!]! += columnValue[e]! * wj;
  }
  for (let t = termStart[c]!; t < termStart[c + 1]!; t++) out[offset + termIndex[t]!]! += termValue[t]!;
}
