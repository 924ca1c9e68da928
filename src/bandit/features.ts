import { FNV_OFFSET, fnv1aUpdate } from "./hashing";
import { hashedTerms, TermList } from "./hashed-terms";

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
 * The item signals: numbers the caller computes per candidate from state the features cannot see
 * (the catalog's categories and popularity), in this order. `SIGNAL_COUNT` values per candidate.
 * - popularity lift: how much more the item is picked organically than its category's average.
 * - session category: the recency-weighted share of the session's events in the item's category.
 * - session centroid: s · (the unit mean embedding of the item's category).
 * - long-term centroid: l · (the same centroid).
 * Category means average the noise out of single embeddings: where an item's own embedding is a noisy
 * view of what it is, its category's mean still says what kind of thing it is.
 */
export const SIGNALS = Object.freeze({
  popularityLift: 0,
  sessionCategory: 1,
  sessionCentroid: 2,
  longTermCentroid: 3,
});
export const SIGNAL_COUNT = 4;

/**
 * Whether item signal i is on in the layout: the session ones go with `useSession`, the long-term one with
 * `useLongTerm`.
 */
export function signalOn(spec: FeatureSpec, i: number): boolean {
  if (i === SIGNALS.sessionCategory || i === SIGNALS.sessionCentroid) return spec.useSession;
  if (i === SIGNALS.longTermCentroid) return spec.useLongTerm;
  return true;
}

/**
 * The layout of φ(context, item) (DESIGN §3 step 5).
 * Shared z = [ s⊙v (d) | l⊙v (d) | hashed crosses (H) | s·v, l·v | signals (4) | bias 1 ], so
 * sharedDim = 2d + H + 7. The two similarities repeat what the products sum to, as single features: one
 * weight learns "session similarity matters" from every click, where the d product weights each need
 * their own evidence. The signals (`SIGNALS`) are numbers the caller computes per item.
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
  /** The SIGNAL_COUNT item signals, in `SIGNALS` order. */
  readonly signalOffset: number;
  readonly biasOffset: number;
}

/** The feature layout for an embedding dimension and hash width. */
export function featureLayout(options: FeatureLayoutOptions): FeatureSpec {
  const { dim, hashBuckets } = options;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(hashBuckets) || hashBuckets < 0)
    throw new RangeError(`hashBuckets must be an integer ≥ 0, got ${hashBuckets}`);
  const armScale = options.armScale ?? 1;
  if (!(armScale > 0) || !Number.isFinite(armScale))
    throw new RangeError(`armScale must be a positive number, got ${armScale}`);
  return Object.freeze({
    dim,
    hashBuckets,
    useSession: options.useSession ?? true,
    useLongTerm: options.useLongTerm ?? true,
    armScale,
    sharedDim: 2 * dim + hashBuckets + 3 + SIGNAL_COUNT,
    armDim: 3,
    sessionOffset: 0,
    longTermOffset: dim,
    hashedOffset: 2 * dim,
    similarityOffset: 2 * dim + hashBuckets,
    signalOffset: 2 * dim + hashBuckets + 2,
    biasOffset: 2 * dim + hashBuckets + 2 + SIGNAL_COUNT,
  });
}

/** A request's context, hashed once so each candidate only hashes its own fields. */
export interface HashedContext {
  /** FNV-1a of `${key}=${value}`, one per entry: the context-only features. */
  readonly pairHashes: Uint32Array;
  /** FNV-1a state after `${key}=${value}×`, one per entry: the prefix of each cross. */
  readonly crossPrefixes: Uint32Array;
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
  return { pairHashes, crossPrefixes };
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
 * hash mod H, sign = bit 31. `signals` (SIGNAL_COUNT values from `signalsAt`) are written as given
 * (zeros when the caller has none).
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
  signals?: ArrayLike<number>,
  signalsAt = 0,
): void {
  const d = spec.dim;
  const v = item.embedding;
  if (v.length !== d) throw new RangeError(`item embedding has ${v.length} dimensions, the layout expects ${d}`);
  const zBase = row * spec.sharedDim;
  const xBase = row * spec.armDim;
  const sessionSimilarity = writeProduct(
    spec.useSession ? session : null,
    v,
    d,
    zOut,
    zBase + spec.sessionOffset,
    "session",
  );
  const longTermSimilarity = writeProduct(
    spec.useLongTerm ? longTerm : null,
    v,
    d,
    zOut,
    zBase + spec.longTermOffset,
    "long-term",
  );
  writeHashed(spec, context, item, zOut, zBase + spec.hashedOffset);
  zOut[zBase + spec.similarityOffset] = sessionSimilarity;
  zOut[zBase + spec.similarityOffset + 1] = longTermSimilarity;
  for (let i = 0; i < SIGNAL_COUNT; i++)
    zOut[zBase + spec.signalOffset + i] = signalOn(spec, i) ? (signals?.[signalsAt + i] ?? 0) : 0;
  zOut[zBase + spec.biasOffset] = 1;
  const c = spec.armScale;
  xOut[xBase] = c;
  xOut[xBase + 1] = c * sessionSimilarity;
  xOut[xBase + 2] = c * longTermSimilarity;
}

/** out[base + i] = a_i·v_i (zeros when a is null); returns a·v. */
function writeProduct(
  a: StateVector,
  v: Float32Array | Float64Array,
  d: number,
  out: Float64Array,
  base: number,
  what: string,
): number {
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

function writeHashed(
  spec: FeatureSpec,
  context: HashedContext,
  item: FeatureItem,
  out: Float64Array,
  base: number,
): void {
  out.fill(0, base, base + spec.hashBuckets);
  const terms = hashedTermScratch;
  const count = hashedTerms(spec, context, item, terms, 0);
  for (let t = 0; t < count; t++) out[base - spec.hashedOffset + terms.index[t]!]! += terms.value[t]!;
}

const hashedTermScratch = new TermList();
