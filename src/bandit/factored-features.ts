import { nextFactorStamp, type FactoredBatch } from "./factored";
import {
  SIGNAL_COUNT,
  signalOn,
  type FeatureItem,
  type FeatureSpec,
  type HashedContext,
  type StateVector,
} from "./features";
import { CrossTable, hashedTerms, TermList } from "./hashed-terms";

/**
 * Where candidates' embeddings also sit in one packed matrix (the catalog's): reading them there, and
 * keeping their crosses by index, touches a few contiguous cache lines per candidate instead of
 * several scattered objects. Row `indices[c]` must hold candidate c's embedding.
 */
export interface CandidateRows {
  indices: ArrayLike<number>;
  /** Row-major, d values per row. */
  embeddings: Float32Array;
}

/**
 * φ's shared part for many candidates of one request in factored form (`FactoredBatch`), for
 * `HybridLinUCB.scoreFactored`, plus the arm rows x. z_c = P·w_c + terms: w_c = [v_c; 1] (m = d + 1);
 * P's column j < d puts s_j and l_j at the session and long-term products and at the two similarities,
 * its last column the bias 1; the terms are the hashed crosses and the item signals. Materialised
 * (`materializeShared`), z_c equals buildFeatures' to the bit (a −0 comes out as 0). Reused across requests.
 */
export class FactoredFeatures implements FactoredBatch {
  readonly width: number;
  readonly columnStart: Int32Array;
  readonly columnRow: Int32Array;
  readonly columnValue: Float64Array;
  columnsStamp = 0;
  w = new Float64Array(0);
  termStart = new Int32Array(1);
  private readonly terms = new TermList();
  x = new Float64Array(0);
  count = 0;
  private session: StateVector = null;
  private longTerm: StateVector = null;

  /** Each item's crosses with recent context entries, held as long as the item is. */
  /** Candidates' crosses by catalog index (setCandidates with `rows`), and by item otherwise. */
  private readonly indexedCrosses = new CrossTable();
  private readonly itemCrosses = new CrossTable();
  private readonly itemKeys = new WeakMap<FeatureItem, number>();
  private nextItemKey = 0;

  constructor(readonly spec: FeatureSpec) {
    const d = spec.dim;
    this.width = d + 1;
    this.columnStart = new Int32Array(d + 2);
    this.columnRow = new Int32Array(4 * d + 1);
    this.columnValue = new Float64Array(4 * d + 1);
  }

  get termIndex(): Int32Array {
    return this.terms.index;
  }

  get termValue(): Float64Array {
    return this.terms.value;
  }

  /** Sets P from the request's session and long-term vectors (null: that part is zeros). */
  setRequest(session: StateVector, longTerm: StateVector): void {
    const spec = this.spec;
    const d = spec.dim;
    const s = spec.useSession ? session : null;
    const l = spec.useLongTerm ? longTerm : null;
    if (s !== null && s.length !== d)
      throw new RangeError(`session vector has ${s.length} dimensions, the layout expects ${d}`);
    if (l !== null && l.length !== d)
      throw new RangeError(`long-term vector has ${l.length} dimensions, the layout expects ${d}`);
    this.session = s;
    this.longTerm = l;
    let e = 0;
    for (let j = 0; j < d; j++) {
      this.columnStart[j] = e;
      if (s !== null) e = this.entry(e, spec.sessionOffset + j, s[j]!);
      if (l !== null) e = this.entry(e, spec.longTermOffset + j, l[j]!);
      if (s !== null) e = this.entry(e, spec.similarityOffset, s[j]!);
      if (l !== null) e = this.entry(e, spec.similarityOffset + 1, l[j]!);
    }
    this.columnStart[d] = e;
    e = this.entry(e, spec.biasOffset, 1);
    this.columnStart[d + 1] = e;
    this.columnsStamp = nextFactorStamp();
  }

  /**
   * Sets the candidates' rows w, terms and x (setRequest first); candidate c's item signals are
   * `signals[c·SIGNAL_COUNT ..]`, as in buildFeatures (absent: zeros).
   */
  setCandidates(
    context: HashedContext,
    items: readonly FeatureItem[],
    signals?: Float64Array,
    rows?: CandidateRows,
  ): void {
    const spec = this.spec;
    const d = spec.dim;
    const m = this.width;
    const k = spec.armDim;
    const count = items.length;
    if (this.w.length < count * m) {
      const rows = Math.max(count, 2 * (this.w.length / m));
      this.w = new Float64Array(rows * m);
      this.x = new Float64Array(rows * k);
      this.termStart = new Int32Array(rows + 1);
    }
    const { w, x, termStart, terms, session: s, longTerm: l } = this;
    let t = 0;
    for (let c = 0; c < count; c++) {
      const v = rows ? rows.embeddings : items[c]!.embedding;
      const base = rows ? rows.indices[c]! * d : 0;
      if (rows ? !(base >= 0 && base + d <= v.length) : v.length !== d) {
        throw new RangeError(
          rows
            ? `candidate row ${rows.indices[c]} is outside the ${v.length / d} embedding rows`
            : `item embedding has ${v.length} dimensions, the layout expects ${d}`,
        );
      }
      const at = c * m;
      let sv = 0;
      let lv = 0;
      for (let j = 0; j < d; j++) {
        const vj = v[base + j]!;
        w[at + j] = vj;
        if (s !== null) sv += s[j]! * vj;
        if (l !== null) lv += l[j]! * vj;
      }
      w[at + d] = 1;
      termStart[c] = t;
      const item = items[c]!;
      if (rows) t = hashedTerms(spec, context, item, terms, t, this.indexedCrosses, rows.indices[c]!);
      else {
        let key = this.itemKeys.get(item);
        if (key === undefined) this.itemKeys.set(item, (key = this.nextItemKey++));
        t = hashedTerms(spec, context, item, terms, t, this.itemCrosses, key);
      }
      if (signals !== undefined) {
        for (let i = 0; i < SIGNAL_COUNT; i++) {
          const value = signals[c * SIGNAL_COUNT + i]!;
          if (value === 0 || !signalOn(spec, i)) continue;
          terms.reserve(t + 1, t);
          terms.index[t] = spec.signalOffset + i;
          terms.value[t++] = value;
        }
      }
      const c3 = spec.armScale;
      x[c * k] = c3;
      x[c * k + 1] = c3 * sv;
      x[c * k + 2] = c3 * lv;
    }
    termStart[count] = t;
    this.count = count;
  }

  private entry(at: number, row: number, value: number): number {
    this.columnRow[at] = row;
    this.columnValue[at] = value;
    return at + 1;
  }
}
