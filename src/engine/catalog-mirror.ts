import { Float32Rows } from "../bandit/kernels/float32-rows";
import type { CatalogItem, ItemStore } from "../state/ports";
import { TopK } from "./top-k";

/**
 * The whole catalog in memory, as every replica needs it for scoring: item records plus a packed
 * embedding matrix for fast similarity scans. Other replicas' upserts arrive by polling the store's
 * change cursor.
 */
export class CatalogMirror {
  readonly dim: number;
  private readonly indexById = new Map<string, number>();
  private items: CatalogItem[] = [];
  /** Row i holds item i's embedding, in WebAssembly memory for the similarity scan. */
  private readonly matrix: Float32Rows;
  private cursor: string | null = null;
  /** Exponentially decayed count of positive feedback per item index. */
  private popularity: Float64Array;
  private popularityOrder: number[] | null = null;
  private popularityOrderAtMs = 0;
  /** Exponentially decayed count of positive organic feedback (not answering a recommendation) per item index. */
  private organic: Float64Array;
  /**
   * Per item index: 1 when available, and its category's number (`categoryNumbers`), for filters that touch no item
   * object.
   */
  private availableAt = new Uint8Array(1024);
  private categoryAt = new Int32Array(1024);
  private readonly categoryNumbers = new Map<string, number>();
  /** Per category: the sum of `organic` over its items, and how many items it has. */
  private readonly organicByCategory: Array<{ total: number; items: number }> = [];
  /**
   * Per category number: the sum of its items' embeddings, and its unit mean (made when first asked after a change).
   */
  private readonly embeddingSums: Float64Array[] = [];
  private centroids: Array<Float32Array | null | undefined> = [];

  constructor(dim: number) {
    this.dim = dim;
    this.matrix = new Float32Rows(dim, 1024);
    this.popularity = new Float64Array(1024);
    this.organic = new Float64Array(1024);
  }

  get size(): number {
    return this.items.length;
  }

  /** Pulls every change since the last pull; returns how many items changed. */
  async pull(store: ItemStore, pageSize = 5000): Promise<number> {
    let changed = 0;
    for (;;) {
      const page = await store.changesSince(this.cursor, pageSize);
      if (page.items.length === 0) return changed;
      this.apply(page.items);
      this.cursor = page.cursor;
      changed += page.items.length;
      if (page.items.length < pageSize) return changed;
    }
  }

  /** Applies items (new or replaced) to the mirror. */
  apply(items: CatalogItem[]): void {
    for (const item of items) {
      let index = this.indexById.get(item.itemId);
      if (index === undefined) {
        index = this.items.length;
        this.indexById.set(item.itemId, index);
        this.items.push(item);
        this.ensureCapacity(index + 1);
        this.categoryTally(item.category).items++;
      } else {
        const previous = this.items[index]!;
        this.addToSum(previous.category, previous.embedding, -1);
        const before = previous.category;
        if (before !== item.category) {
          const count = this.organic[index]!;
          const from = this.categoryTally(before);
          from.items--;
          from.total -= count;
          const to = this.categoryTally(item.category);
          to.items++;
          to.total += count;
        }
        this.items[index] = item;
      }
      this.addToSum(item.category, item.embedding, 1);
      this.matrix.setRow(index, item.embedding);
      this.availableAt[index] = item.available ? 1 : 0;
      this.categoryAt[index] = this.categoryNumber(item.category);
    }
    this.popularityOrder = null;
    this.centroids = [];
  }

  private addToSum(category: string, embedding: Float32Array, sign: 1 | -1): void {
    const number = this.categoryNumber(category);
    const sum = (this.embeddingSums[number] ??= new Float64Array(this.dim));
    for (let j = 0; j < this.dim; j++) sum[j]! += sign * embedding[j]!;
  }

  /** Item i's category number (`filter` and `centroidOf` use the same numbers). */
  categoryNumberAt(index: number): number {
    return this.categoryAt[index]!;
  }

  /** Whether item i has a category at all (an empty category groups nothing). */
  hasCategory(index: number): boolean {
    return this.items[index]!.category !== "";
  }

  /**
   * The unit mean embedding of a category's items (every item, available or not), or null for a
   * category without items or with a zero mean. Averaging many noisy embeddings keeps what they share.
   */
  centroidOf(categoryNumber: number): Float32Array | null {
    const cached = this.centroids[categoryNumber];
    if (cached !== undefined) return cached;
    const sum = this.embeddingSums[categoryNumber];
    let centroid: Float32Array | null = null;
    if (sum) {
      let norm = 0;
      for (let j = 0; j < this.dim; j++) norm += sum[j]! * sum[j]!;
      if (norm > 1e-12 && Number.isFinite(norm)) centroid = Float32Array.from(sum, (x) => x / Math.sqrt(norm));
    }
    this.centroids[categoryNumber] = centroid;
    return centroid;
  }

  get(itemId: string): CatalogItem | undefined {
    const index = this.indexById.get(itemId);
    return index === undefined ? undefined : this.items[index];
  }

  indexOf(itemId: string): number | undefined {
    return this.indexById.get(itemId);
  }

  at(index: number): CatalogItem {
    const item = this.items[index];
    if (!item) throw new RangeError(`no catalog item at index ${index}`);
    return item;
  }

  /** The items at these indices, in order. */
  itemsAt(indices: readonly number[]): CatalogItem[] {
    const items = new Array<CatalogItem>(indices.length);
    for (let c = 0; c < indices.length; c++) items[c] = this.at(indices[c]!);
    return items;
  }

  /** Every item's embedding, row i for item i, packed: a view valid until the catalog next grows. */
  embeddingRows(): Float32Array {
    return this.matrix.values;
  }

  /** Item i's embedding (its own array, not a view of the matrix, which moves when it grows). */
  embeddingAt(index: number): Float32Array {
    return this.items[index]!.embedding;
  }

  /**
   * Counts a positive interaction toward the item's popularity (decayed so tastes can move); an organic
   * one (not answering a recommendation) also toward its organic popularity.
   */
  recordPositive(itemId: string, weight = 1, organic = false): void {
    const index = this.indexById.get(itemId);
    if (index === undefined) return;
    this.popularity[index] = (this.popularity[index] ?? 0) * 0.999 + weight;
    if (!organic) return;
    const before = this.organic[index]!;
    const after = before * 0.999 + weight;
    this.organic[index] = after;
    this.categoryTally(this.items[index]!.category).total += after - before;
  }

  /**
   * Sets the item's popularity to what `recordPositive` makes of these events alone, in order (each
   * `{ weight, organic }` as it was recorded): after a DeleteUser took some of them away, the counts are
   * those of a mirror that never saw them.
   */
  recountPopularity(itemId: string, events: ReadonlyArray<{ weight: number; organic: boolean }>): void {
    const index = this.indexById.get(itemId);
    if (index === undefined) return;
    let popularity = 0;
    let organic = 0;
    for (const event of events) {
      popularity = popularity * 0.999 + event.weight;
      if (event.organic) organic = organic * 0.999 + event.weight;
    }
    this.popularity[index] = popularity;
    this.categoryTally(this.items[index]!.category).total += organic - this.organic[index]!;
    this.organic[index] = organic;
    this.popularityOrder = null;
  }

  /**
   * log((o + 1) / (ō + 1)), o being item i's organic popularity and ō its category's mean: how much more
   * shoppers pick the item on their own than its neighbours. Organic picks are the quality signal our own
   * ranking does not bias (what the engine shows first gets clicked first); relative to the category, so
   * it says "a good one of its kind", not "a popular kind", which the session and long-term features cover.
   */
  popularityLift(index: number): number {
    if (index < 0 || index >= this.items.length) throw new RangeError(`no catalog item at index ${index}`);
    const tally = this.organicByCategory[this.categoryAt[index]!];
    const mean = tally && tally.items > 0 ? Math.max(0, tally.total) / tally.items : 0;
    return Math.log((this.organic[index]! + 1) / (mean + 1));
  }

  /** The category's number (made on first sight); -1 for "any" is never a category's number. */
  private categoryNumber(category: string): number {
    let number = this.categoryNumbers.get(category);
    if (number === undefined) this.categoryNumbers.set(category, (number = this.categoryNumbers.size));
    return number;
  }

  /**
   * Whether item `index` may be recommended under `filter`: available, in the filter's category (if
   * any) and not excluded. Reads packed arrays only.
   */
  passes(index: number, filter: CandidateFilter): boolean {
    return (
      this.availableAt[index] === 1 &&
      (filter.category < 0 || this.categoryAt[index] === filter.category) &&
      !(filter.excluded.size > 0 && filter.excluded.has(index))
    );
  }

  /**
   * A filter for `passes`: a category by name ("" for any; one the catalog lacks matches nothing) and excluded item ids
   * (unknown ones ignored).
   */
  filter(category: string, excludedIds: Iterable<string>): CandidateFilter {
    const excluded = new Set<number>();
    for (const id of excludedIds) {
      const index = this.indexById.get(id);
      if (index !== undefined) excluded.add(index);
    }
    return {
      category: category === "" ? -1 : (this.categoryNumbers.get(category) ?? Number.MAX_SAFE_INTEGER),
      excluded,
    };
  }

  private categoryTally(category: string): { total: number; items: number } {
    const number = this.categoryNumber(category);
    let tally = this.organicByCategory[number];
    if (!tally) this.organicByCategory[number] = tally = { total: 0, items: 0 };
    return tally;
  }

  /**
   * Every item index by decreasing popularity; do not modify. Re-sorted at most once a second (or when
   * the catalog changes): a whole-catalog sort per positive event showed up in profiles.
   */
  popularIndices(nowMs = Date.now()): readonly number[] {
    if (!this.popularityOrder || nowMs - this.popularityOrderAtMs >= 1000) {
      this.popularityOrderAtMs = nowMs;
      const order = Array.from({ length: this.items.length }, (_, i) => i);
      order.sort((a, b) => (this.popularity[b] ?? 0) - (this.popularity[a] ?? 0) || a - b);
      this.popularityOrder = order;
    }
    return this.popularityOrder;
  }

  popularityOf(index: number): number {
    return this.popularity[index] ?? 0;
  }

  /**
   * The `limit` item indices with the highest `Σ q·v` over the query vectors given (null ones are
   * skipped), restricted to items that pass `filter`, best first (ties: lower index first). A SIMD pass
   * over the packed matrix (WebAssembly) that keeps only rows above a sampled bar, then a bounded heap
   * over those: O(n·d + limit·log limit), no per-item allocation.
   */
  nearest(queries: Array<Float32Array | null>, limit: number, filter: CandidateFilter): number[] {
    const active = queries.filter((q): q is Float32Array => q !== null);
    if (active.length === 0 || limit <= 0) return [];
    const dim = this.dim;
    const combined = new Float64Array(dim);
    for (const q of active) for (let j = 0; j < dim; j++) combined[j]! += q[j]!;
    const n = this.items.length;
    // A first bar from a 1-in-16 sample: the score its ⌈1.5·limit/16⌉-th best passing item has. About
    // 1.5·limit items clear it, so the kernel hands over a few hundred rows instead of all n; if fewer
    // than `limit` passing items clear it, the scan runs again without it (the answer is exact either way).
    let bar = Number.NEGATIVE_INFINITY;
    if (n >= 16 * limit) {
      const sample = this.collect(combined, n, SAMPLE_STRIDE, Math.ceil((1.5 * limit) / SAMPLE_STRIDE), filter, bar);
      if (sample.full) bar = sample.min;
    }
    let heap = this.collect(combined, n, 1, limit, filter, bar);
    if (!heap.full && bar !== Number.NEGATIVE_INFINITY)
      heap = this.collect(combined, n, 1, limit, filter, Number.NEGATIVE_INFINITY);
    return heap.sortedIndices();
  }

  /** The `limit` best passing items among rows 0, step, 2·step, … that score above `bar`. */
  private collect(
    query: Float64Array,
    rows: number,
    step: number,
    limit: number,
    filter: CandidateFilter,
    bar: number,
  ): TopK {
    const heap = new TopK(limit);
    const { count, indices, dots } = this.matrix.above(query, rows, step, bar);
    for (let i = 0; i < count; i++) {
      const index = indices[i]!;
      if (this.passes(index, filter)) heap.push(index, dots[i]!);
    }
    return heap;
  }

  private ensureCapacity(count: number): void {
    if (count <= this.matrix.rowCapacity) return;
    this.matrix.ensureRows(count);
    const rows = this.matrix.rowCapacity;
    this.popularity = grown(this.popularity, new Float64Array(rows));
    this.organic = grown(this.organic, new Float64Array(rows));
    this.availableAt = grown(this.availableAt, new Uint8Array(rows));
    this.categoryAt = grown(this.categoryAt, new Int32Array(rows));
  }
}

/** `into` holding `from`'s values first (the rest zero). */
function grown<T extends Float64Array | Uint8Array | Int32Array>(from: T, into: T): T {
  into.set(from);
  return into;
}

/** One item in this many is sampled for nearest's first bar. */
const SAMPLE_STRIDE = 16;

/** Which items a request may get (`CatalogMirror.filter`). */
export interface CandidateFilter {
  /** Category number, or -1 for any. */
  category: number;
  /** Excluded item indices. */
  excluded: Set<number>;
}
