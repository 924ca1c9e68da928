import { nextFactorStamp, type FactoredBatch } from "./factored";
import { FNV_OFFSET, fmix32, fnv1aUpdate } from "./hashing";

/** Which parts of φ are on, and the sizes they imply. */
export interface FeatureLayoutOptions {
  /** Embedding dimension d. */
  dim: number;
  /** Width H of the hashed context × item block. */
  hashBuckets: number;
  /** Session part on (default). Off writes zeros there: the "without session features" ablation. */
  useSession?: boolean;
  /** Long-term part on (default). Off writes zeros there: the "without long-term features" ablation. */
  useLongTerm?: boolean;
  /** Scale c of the arm features x (default 1); see `FeatureSpec.armScale`. */
  armScale?: number;
}

/**
 * The layout of φ(context, item) (DESIGN §3 step 5).
 * Shared z = [ s⊙v (d) | l⊙v (d) | hashed crosses (H) | s·v, l·v, popularity lift | bias 1 ], so
 * sharedDim = 2d + H + 4. The two similarities repeat what the products sum to, as single features: one
 * weight learns "session similarity matters" from every click, where the d product weights each need
 * their own evidence. The popularity lift is a number the caller computes per item (the engine: how
 * much more the item is picked organically than its category's average, `CatalogMirror.popularityLift`).
 * Arm x = c·[ 1, s·v, l·v ], so armDim = 3: each item learns its own base rate and its own trust in
 * session versus long-term similarity.
 */
export interface FeatureSpec {
  readonly dim: number;
  readonly hashBuckets: number;
  readonly useSession: boolean;
  readonly useLongTerm: boolean;
  /**
   * The arm features' scale c. Scaling x by c is a ridge prior λ/c² on each item's own coefficients and
   * shrinks an unseen item's exploration bonus by c: with c = 1 the bonus of any item not yet shown
   * (α·√(1 + …)) outweighs every predicted click rate, and the slate goes to unseen items.
   */
  readonly armScale: number;
  readonly sharedDim: number;
  readonly armDim: number;
  /** Where each block of z starts. */
  readonly sessionOffset: number;
  readonly longTermOffset: number;
  readonly hashedOffset: number;
  /** s·v then l·v. */
  readonly similarityOffset: number;
  readonly popularityOffset: number;
  readonly biasOffset: number;
}

/** The feature layout for an embedding dimension and hash width. */
export function featureLayout(options: FeatureLayoutOptions): FeatureSpec {
  const { dim, hashBuckets } = options;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(hashBuckets) || hashBuckets < 0) throw new RangeError(`hashBuckets must be an integer ≥ 0, got ${hashBuckets}`);
  const armScale = options.armScale ?? 1;
  if (!(armScale > 0) || !Number.isFinite(armScale)) throw new RangeError(`armScale must be a positive number, got ${armScale}`);
  return Object.freeze({
    dim,
    hashBuckets,
    useSession: options.useSession ?? true,
    useLongTerm: options.useLongTerm ?? true,
    armScale,
    sharedDim: 2 * dim + hashBuckets + 4,
    armDim: 3,
    sessionOffset: 0,
    longTermOffset: dim,
    hashedOffset: 2 * dim,
    similarityOffset: 2 * dim + hashBuckets,
    popularityOffset: 2 * dim + hashBuckets + 2,
    biasOffset: 2 * dim + hashBuckets + 3,
  });
}

/** A request's context, hashed once so each candidate only hashes its own fields. */
export interface HashedContext {
  /** FNV-1a of `${key}=${value}`, one per entry: the context-only features. */
  readonly pairHashes: Uint32Array;
  /** FNV-1a state after `${key}=${value}×`, one per entry: the prefix of each cross. */
  readonly crossPrefixes: Uint32Array;
  /** The context's entries as one string: equal contexts have equal keys (for `HashedTermCache`). */
  readonly key: string;
}

/** Hashes a request context once per request. */
export function hashContext(context: Readonly<Record<string, string>>): HashedContext {
  const keys = Object.keys(context);
  const pairHashes = new Uint32Array(keys.length);
  const crossPrefixes = new Uint32Array(keys.length);
  keys.forEach((key, i) => {
    const pair = fnv1aUpdate(fnv1aUpdate(fnv1aUpdate(FNV_OFFSET, key), "="), context[key]!);
    pairHashes[i] = pair;
    crossPrefixes[i] = fnv1aUpdate(pair, "×");
  });
  return { pairHashes, crossPrefixes, key: keys.map((k) => `${k}=${context[k]!}`).join("\u0001") };
}

/**
 * Memoises φ's hashed terms per (context, item), for callers that score the same pairs again and
 * again (the offline evaluator replays a log whose contexts repeat). Each item keeps its last few
 * contexts; items are held weakly, so the cache never outlives the catalog.
 */
export class HashedTermCache {
  private readonly byItem = new WeakMap<FeatureItem, Map<string, { index: Int32Array; value: Float64Array }>>();
  private readonly scratch = new TermList();

  constructor(
    private readonly spec: FeatureSpec,
    private readonly contextsPerItem = 16,
  ) {}

  /** Writes the hashed terms of this context and item into `terms` from `at`; returns the position after them. */
  write(context: HashedContext, item: FeatureItem, terms: TermList, at: number): number {
    let cached = this.byItem.get(item);
    if (!cached) this.byItem.set(item, (cached = new Map()));
    let entry = cached.get(context.key);
    if (!entry) {
      if (cached.size >= this.contextsPerItem) cached.clear();
      const count = hashedTerms(this.spec, context, item, this.scratch, 0);
      entry = { index: this.scratch.index.slice(0, count), value: this.scratch.value.slice(0, count) };
      cached.set(context.key, entry);
    }
    terms.reserve(at + entry.index.length, at);
    terms.index.set(entry.index, at);
    terms.value.set(entry.value, at);
    return at + entry.index.length;
  }
}

/** What φ reads from an item (a catalog item fits). */
export interface FeatureItem {
  embedding: Float32Array | Float64Array;
  category: string;
  attributes: Readonly<Record<string, string>>;
}

/** A session or long-term vector of length d, or null when absent (its part is zeros). */
export type StateVector = Float32Array | Float64Array | null;

/** Caller-owned feature rows for `count` candidates. */
export function allocateFeatures(spec: FeatureSpec, count: number): { z: Float64Array; x: Float64Array } {
  return { z: new Float64Array(count * spec.sharedDim), x: new Float64Array(count * spec.armDim) };
}

/**
 * Writes φ(context, item) into row `row` of `zOut` (at row·sharedDim) and `xOut` (at row·armDim),
 * allocating nothing. The hashed block holds one signed ±1/√T term per context entry and per
 * (context entry × item field) cross, item fields being `category=<category>` (when non-empty) and
 * `<name>=<value>` per attribute; T is the number of terms, so the block has unit norm without
 * collisions and ‖z‖ stays bounded whatever the context and attribute counts, as LinUCB's confidence
 * bound assumes. Cross hash: fmix32(FNV-1a of `${ctxKey}=${ctxValue}×${field}=${value}`), bucket =
 * hash mod H, sign = bit 31. `popularityLift` is written as given (0 when the caller has none).
 */
export function buildFeatures(
  spec: FeatureSpec,
  session: StateVector,
  longTerm: StateVector,
  context: HashedContext,
  item: FeatureItem,
  zOut: Float64Array,
  xOut: Float64Array,
  row: number,
  popularityLift = 0,
): void {
  const d = spec.dim;
  const v = item.embedding;
  if (v.length !== d) throw new RangeError(`item embedding has ${v.length} dimensions, the layout expects ${d}`);
  const zBase = row * spec.sharedDim;
  const xBase = row * spec.armDim;
  const sessionSimilarity = writeProduct(spec.useSession ? session : null, v, d, zOut, zBase + spec.sessionOffset, "session");
  const longTermSimilarity = writeProduct(spec.useLongTerm ? longTerm : null, v, d, zOut, zBase + spec.longTermOffset, "long-term");
  writeHashed(spec, context, item, zOut, zBase + spec.hashedOffset);
  zOut[zBase + spec.similarityOffset] = sessionSimilarity;
  zOut[zBase + spec.similarityOffset + 1] = longTermSimilarity;
  zOut[zBase + spec.popularityOffset] = popularityLift;
  zOut[zBase + spec.biasOffset] = 1;
  const c = spec.armScale;
  xOut[xBase] = c;
  xOut[xBase + 1] = c * sessionSimilarity;
  xOut[xBase + 2] = c * longTermSimilarity;
}

/** out[base + i] = a_i·v_i (zeros when a is null); returns a·v. */
function writeProduct(a: StateVector, v: Float32Array | Float64Array, d: number, out: Float64Array, base: number, what: string): number {
  if (a === null) {
    out.fill(0, base, base + d);
    return 0;
  }
  if (a.length !== d) throw new RangeError(`${what} vector has ${a.length} dimensions, the layout expects ${d}`);
  let similarity = 0;
  for (let i = 0; i < d; i++) {
    const p = a[i]! * v[i]!;
    out[base + i] = p;
    similarity += p;
  }
  return similarity;
}

function writeHashed(spec: FeatureSpec, context: HashedContext, item: FeatureItem, out: Float64Array, base: number): void {
  out.fill(0, base, base + spec.hashBuckets);
  const terms = hashedTermScratch;
  const count = hashedTerms(spec, context, item, terms, 0);
  for (let t = 0; t < count; t++) out[base + terms.index[t]!]! += terms.value[t]!;
}

/** Growable (index, value) pairs: φ's sparse terms. */
export class TermList {
  index = new Int32Array(64);
  value = new Float64Array(64);

  /** Room for `count` terms, keeping the first `keep`. */
  reserve(count: number, keep: number): void {
    if (count <= this.index.length) return;
    const size = Math.max(count, 2 * this.index.length);
    const index = new Int32Array(size);
    const value = new Float64Array(size);
    index.set(this.index.subarray(0, keep));
    value.set(this.value.subarray(0, keep));
    this.index = index;
    this.value = value;
  }
}

const hashedTermScratch = new TermList();

/**
 * The hashed block's terms in the order they are added (bucket, ±1/√T), written into `terms` from
 * position `at`; returns the position after the last. One term per context entry and per (context
 * entry × item field) cross; see `buildFeatures`.
 */
function hashedTerms(spec: FeatureSpec, context: HashedContext, item: FeatureItem, terms: TermList, at: number): number {
  const buckets = spec.hashBuckets;
  const entries = context.pairHashes.length;
  if (buckets === 0 || entries === 0) return at;
  let fields = item.category === "" ? 0 : 1;
  for (const name in item.attributes) if (Object.hasOwn(item.attributes, name)) fields++;
  const weight = 1 / Math.sqrt(entries * (1 + fields));
  terms.reserve(at + entries * (1 + fields), at);
  const { index, value } = terms;
  let t = at;
  const term = (hash: number) => {
    index[t] = hash % buckets;
    value[t++] = hash >= 0x80000000 ? -weight : weight;
  };
  for (let c = 0; c < entries; c++) {
    term(fmix32(context.pairHashes[c]!));
    const prefix = context.crossPrefixes[c]!;
    if (item.category !== "") term(fmix32(fnv1aUpdate(fnv1aUpdate(prefix, "category="), item.category)));
    for (const name in item.attributes) {
      if (!Object.hasOwn(item.attributes, name)) continue;
      const field = fnv1aUpdate(fnv1aUpdate(prefix, name), "=");
      term(fmix32(fnv1aUpdate(field, item.attributes[name]!)));
    }
  }
  return t;
}

/**
 * φ's shared part for many candidates of one request in factored form (`FactoredBatch`), for
 * `HybridLinUCB.scoreFactored`, plus the arm rows x. z_c = P·w_c + terms: w_c = [v_c; 1] (m = d + 1);
 * P's column j < d puts s_j and l_j at the session and long-term products and at the two similarities,
 * its last column the bias 1; the terms are the hashed crosses and the popularity lift. Materialised
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

  /** `hashedTerms` memoises the hashed terms per (context, item) when given. */
  constructor(
    readonly spec: FeatureSpec,
    private readonly hashedTerms?: HashedTermCache,
  ) {
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
    if (s !== null && s.length !== d) throw new RangeError(`session vector has ${s.length} dimensions, the layout expects ${d}`);
    if (l !== null && l.length !== d) throw new RangeError(`long-term vector has ${l.length} dimensions, the layout expects ${d}`);
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

  /** Sets the candidates' rows w, terms and x (setRequest first); `popularityLift[c]` as in buildFeatures. */
  setCandidates(context: HashedContext, items: readonly FeatureItem[], popularityLift?: Float64Array): void {
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
      const v = items[c]!.embedding;
      if (v.length !== d) throw new RangeError(`item embedding has ${v.length} dimensions, the layout expects ${d}`);
      const at = c * m;
      let sv = 0;
      let lv = 0;
      for (let j = 0; j < d; j++) {
        const vj = v[j]!;
        w[at + j] = vj;
        if (s !== null) sv += s[j]! * vj;
        if (l !== null) lv += l[j]! * vj;
      }
      w[at + d] = 1;
      termStart[c] = t;
      t = this.hashedTerms ? this.hashedTerms.write(context, items[c]!, terms, t) : hashedTerms(spec, context, items[c]!, terms, t);
      for (let h = termStart[c]!; h < t; h++) terms.index[h]! += spec.hashedOffset;
      const lift = popularityLift?.[c] ?? 0;
      if (lift !== 0) {
        terms.reserve(t + 1, t);
        terms.index[t] = spec.popularityOffset;
        terms.value[t++] = lift;
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
