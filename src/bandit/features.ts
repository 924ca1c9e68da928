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
  /** The context's entries as one string: equal contexts have equal keys. */
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
  for (let t = 0; t < count; t++) out[base - spec.hashedOffset + terms.index[t]!]! += terms.value[t]!;
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

/** How many fields an item crosses with the context: its category (when non-empty) and each attribute. */
function fieldCount(item: FeatureItem): number {
  let fields = item.category === "" ? 0 : 1;
  for (const name in item.attributes) if (Object.hasOwn(item.attributes, name)) fields++;
  return fields;
}

/** A hash's term: bucket hash mod H, sign from bit 31, encoded as ±(bucket + 1). */
function signedBucket(hash: number, buckets: number): number {
  const bucket = (hash % buckets) + 1;
  return hash >= 0x80000000 ? -bucket : bucket;
}

/** Writes the item's crosses with one context entry (prefix = FNV state after `${key}=${value}×`) as signed buckets from `at`. */
function writeCrosses(item: FeatureItem, prefix: number, buckets: number, out: Int32Array, at: number): void {
  let i = at;
  if (item.category !== "") out[i++] = signedBucket(fmix32(fnv1aUpdate(fnv1aUpdate(prefix, "category="), item.category)), buckets);
  for (const name in item.attributes) {
    if (!Object.hasOwn(item.attributes, name)) continue;
    out[i++] = signedBucket(fmix32(fnv1aUpdate(fnv1aUpdate(fnv1aUpdate(prefix, name), "="), item.attributes[name]!)), buckets);
  }
}

/** Context entries whose crosses each item keeps, and the most fields an item can have to be kept. */
const ENTRIES_PER_ITEM = 8;
const MAX_CACHED_FIELDS = 6;
/** A kept item's block: fields, entries held, next to replace, the entries' prefixes, then their crosses. */
const BLOCK = 3 + ENTRIES_PER_ITEM + ENTRIES_PER_ITEM * MAX_CACHED_FIELDS;
/** Past this many int32s (16 MB) the table starts over. */
const MAX_POOL = 4 << 20;

/**
 * Items' crosses with the last few context entries they were scored under, by item key (a catalog
 * index, say): hashing them (FNV over the strings) was a sixth of a Recommend's ranking, and one
 * contiguous pool keeps a candidate's look-up to a few cache lines. A key whose item object changed
 * (a catalog update) starts afresh; entries are replaced round-robin; an item with more than
 * MAX_CACHED_FIELDS fields is hashed every time.
 */
class CrossTable {
  private blockOf = new Int32Array(0);
  private owner: Array<FeatureItem | undefined> = [];
  pool = new Int32Array(BLOCK * 256);
  private used = 0;

  /** The item's block in `pool` (its field count first), made if new; -1 when the item is not kept (too many fields). */
  block(key: number, item: FeatureItem): number {
    if (key < this.blockOf.length && this.owner[key] === item) return this.blockOf[key]!;
    const fields = fieldCount(item);
    return fields > MAX_CACHED_FIELDS ? -1 : this.allocate(key, item, fields);
  }

  /** Where the item's crosses with this context entry start in `pool`, hashed now if not held. */
  entry(block: number, item: FeatureItem, prefix: number, buckets: number): number {
    const pool = this.pool;
    const fields = pool[block]!;
    const size = pool[block + 1]!;
    const wanted = prefix | 0;
    for (let e = 0; e < size; e++) if (pool[block + 3 + e] === wanted) return block + 3 + ENTRIES_PER_ITEM + e * fields;
    let e: number;
    if (size < ENTRIES_PER_ITEM) pool[block + 1] = (e = size) + 1;
    else pool[block + 2] = ((e = pool[block + 2]!) + 1) % ENTRIES_PER_ITEM;
    pool[block + 3 + e] = wanted;
    const at = block + 3 + ENTRIES_PER_ITEM + e * fields;
    writeCrosses(item, prefix, buckets, pool, at);
    return at;
  }

  private allocate(key: number, item: FeatureItem, fields: number): number {
    if (key >= this.blockOf.length) {
      const grown = new Int32Array(Math.max(key + 1, 2 * this.blockOf.length)).fill(-1);
      grown.set(this.blockOf);
      this.blockOf = grown;
    }
    if (this.used + BLOCK > this.pool.length) {
      if (this.pool.length * 2 > MAX_POOL) {
        this.blockOf.fill(-1);
        this.owner = [];
        this.used = 0;
      } else {
        const grown = new Int32Array(this.pool.length * 2);
        grown.set(this.pool.subarray(0, this.used));
        this.pool = grown;
      }
    }
    const block = this.used;
    this.used += BLOCK;
    this.pool[block] = fields;
    this.pool[block + 1] = 0;
    this.pool[block + 2] = 0;
    this.blockOf[key] = block;
    this.owner[key] = item;
    return block;
  }
}

/**
 * The hashed block's terms in the order `buildFeatures` adds them (per context entry: the entry, then
 * its crosses with the category and each attribute), each ±1/√T at hashedOffset + bucket, written into
 * `terms` from `at`; returns the position after the last. With a table, the item's crosses are kept
 * under `key`.
 */
function hashedTerms(spec: FeatureSpec, context: HashedContext, item: FeatureItem, terms: TermList, at: number, table?: CrossTable, key = -1): number {
  const buckets = spec.hashBuckets;
  const entries = context.pairHashes.length;
  if (buckets === 0 || entries === 0) return at;
  const block = table === undefined ? -1 : table.block(key, item);
  const fields = block < 0 ? fieldCount(item) : table!.pool[block]!;
  const weight = 1 / Math.sqrt(entries * (1 + fields));
  terms.reserve(at + entries * (1 + fields), at);
  const { index, value } = terms;
  const offset = spec.hashedOffset;
  if (crossScratch.length < fields) crossScratch = new Int32Array(2 * fields);
  let t = at;
  for (let c = 0; c < entries; c++) {
    const pair = signedBucket(fmix32(context.pairHashes[c]!), buckets);
    index[t] = offset + Math.abs(pair) - 1;
    value[t++] = pair < 0 ? -weight : weight;
    const prefix = context.crossPrefixes[c]!;
    let crosses = crossScratch;
    let from = 0;
    if (block < 0) writeCrosses(item, prefix, buckets, crossScratch, 0);
    else {
      from = table!.entry(block, item, prefix, buckets);
      crosses = table!.pool;
    }
    for (let f = from; f < from + fields; f++) {
      const cross = crosses[f]!;
      index[t] = offset + Math.abs(cross) - 1;
      value[t++] = cross < 0 ? -weight : weight;
    }
  }
  return t;
}

let crossScratch = new Int32Array(16);

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
  setCandidates(context: HashedContext, items: readonly FeatureItem[], popularityLift?: Float64Array, rows?: CandidateRows): void {
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
        throw new RangeError(rows ? `candidate row ${rows.indices[c]} is outside the ${v.length / d} embedding rows` : `item embedding has ${v.length} dimensions, the layout expects ${d}`);
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
