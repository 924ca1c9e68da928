import { fmix32, fnv1aUpdate } from "./hashing";

/**
 * φ's hashed block as sparse terms: one ±1/√T term per context entry and per (context entry × item
 * field) cross (see `buildFeatures`), and a table that keeps items' crosses so they are not hashed again.
 */

// What this module reads of a layout, a hashed context and an item is declared here, not imported from
// ./features: that module imports this one.

/** Where the hashed block sits in z and how many buckets it has (a `FeatureSpec` fits). */
export interface HashedBlockLayout {
  readonly hashBuckets: number;
  readonly hashedOffset: number;
}

/** A request's context hashed once per request (a `HashedContext` fits). */
export interface ContextHashes {
  readonly pairHashes: Uint32Array;
  readonly crossPrefixes: Uint32Array;
}

/** The item fields the context crosses with (a `FeatureItem` fits). */
export interface CrossedItem {
  readonly category: string;
  readonly attributes: Readonly<Record<string, string>>;
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

/** How many fields an item crosses with the context: its category (when non-empty) and each attribute. */
export function fieldCount(item: CrossedItem): number {
  let fields = item.category === "" ? 0 : 1;
  for (const name in item.attributes) if (Object.hasOwn(item.attributes, name)) fields++;
  return fields;
}

/** A hash's term: bucket hash mod H, sign from bit 31, encoded as ±(bucket + 1). */
function signedBucket(hash: number, buckets: number): number {
  const bucket = (hash % buckets) + 1;
  return hash >= 0x80000000 ? -bucket : bucket;
}

/**
 * Writes the item's crosses with one context entry (prefix = FNV state after `${key}=${value}×`) as signed buckets from
 * `at`.
 */
function writeCrosses(item: CrossedItem, prefix: number, buckets: number, out: Int32Array, at: number): void {
  let i = at;
  if (item.category !== "")
    out[i++] = signedBucket(fmix32(fnv1aUpdate(fnv1aUpdate(prefix, "category="), item.category)), buckets);
  for (const name in item.attributes) {
    if (!Object.hasOwn(item.attributes, name)) continue;
    out[i++] = signedBucket(
      fmix32(fnv1aUpdate(fnv1aUpdate(fnv1aUpdate(prefix, name), "="), item.attributes[name]!)),
      buckets,
    );
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
export class CrossTable {
  private blockOf = new Int32Array(0);
  private owner: Array<CrossedItem | undefined> = [];
  pool = new Int32Array(BLOCK * 256);
  private used = 0;

  /**
   * The item's block in `pool` (its field count first), made if new; -1 when the item is not kept (too many fields).
   */
  block(key: number, item: CrossedItem): number {
    if (key < this.blockOf.length && this.owner[key] === item) return this.blockOf[key]!;
    const fields = fieldCount(item);
    return fields > MAX_CACHED_FIELDS ? -1 : this.allocate(key, item, fields);
  }

  /** Where the item's crosses with this context entry start in `pool`, hashed now if not held. */
  entry(block: number, item: CrossedItem, prefix: number, buckets: number): number {
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

  private allocate(key: number, item: CrossedItem, fields: number): number {
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
export function hashedTerms(
  spec: HashedBlockLayout,
  context: ContextHashes,
  item: CrossedItem,
  terms: TermList,
  at: number,
  table?: CrossTable,
  key = -1,
): number {
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
