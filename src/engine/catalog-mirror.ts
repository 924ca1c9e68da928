import type { CatalogItem, ItemStore } from "../state/ports";

/**
 * The whole catalog in memory, as every replica needs it for scoring: item records plus a packed
 * embedding matrix for fast similarity scans. Other replicas' upserts arrive by polling the store's
 * change cursor.
 */
export class CatalogMirror {
  readonly dim: number;
  private readonly indexById = new Map<string, number>();
  private items: CatalogItem[] = [];
  /** Row i holds item i's embedding. */
  private matrix: Float32Array;
  private cursor: string | null = null;
  /** Exponentially decayed count of positive feedback per item index. */
  private popularity: Float64Array;
  private popularityOrder: number[] | null = null;

  constructor(dim: number) {
    this.dim = dim;
    this.matrix = new Float32Array(dim * 1024);
    this.popularity = new Float64Array(1024);
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
      } else {
        this.items[index] = item;
      }
      this.matrix.set(item.embedding.subarray(0, this.dim), index * this.dim);
    }
    this.popularityOrder = null;
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

  /** A view of item i's embedding inside the packed matrix (no copy). */
  embeddingAt(index: number): Float32Array {
    return this.matrix.subarray(index * this.dim, (index + 1) * this.dim);
  }

  /** Counts a positive interaction toward the item's popularity (decayed so tastes can move). */
  recordPositive(itemId: string, weight = 1): void {
    const index = this.indexById.get(itemId);
    if (index === undefined) return;
    this.popularity[index] = (this.popularity[index] ?? 0) * 0.999 + weight;
    this.popularityOrder = null;
  }

  /** Item indices by decreasing popularity (cached until popularity or the catalog changes). */
  popularIndices(limit: number): number[] {
    if (!this.popularityOrder) {
      const order = Array.from({ length: this.items.length }, (_, i) => i);
      order.sort((a, b) => (this.popularity[b] ?? 0) - (this.popularity[a] ?? 0) || a - b);
      this.popularityOrder = order;
    }
    return this.popularityOrder.slice(0, limit);
  }

  popularityOf(index: number): number {
    return this.popularity[index] ?? 0;
  }

  /**
   * The `limit` item indices with the highest `Σ q·v` over the query vectors given (null ones are
   * skipped), restricted to items that pass `keep`.
   */
  nearest(queries: Array<Float32Array | null>, limit: number, keep: (index: number) => boolean): number[] {
    const active = queries.filter((q): q is Float32Array => q !== null);
    if (active.length === 0 || limit <= 0) return [];
    const dim = this.dim;
    const combined = new Float32Array(dim);
    for (const q of active) for (let j = 0; j < dim; j++) combined[j]! += q[j]!;
    const n = this.items.length;
    const scores = new Float32Array(n);
    const m = this.matrix;
    for (let i = 0; i < n; i++) {
      let dot = 0;
      const base = i * dim;
      for (let j = 0; j < dim; j++) dot += m[base + j]! * combined[j]!;
      scores[i] = dot;
    }
    const picked: number[] = [];
    const order = Array.from({ length: n }, (_, i) => i).filter(keep);
    order.sort((a, b) => scores[b]! - scores[a]! || a - b);
    for (const i of order) {
      picked.push(i);
      if (picked.length >= limit) break;
    }
    return picked;
  }

  private ensureCapacity(count: number): void {
    if (count * this.dim <= this.matrix.length) return;
    const grownRows = Math.max(count, (this.matrix.length / this.dim) * 2);
    const matrix = new Float32Array(grownRows * this.dim);
    matrix.set(this.matrix);
    this.matrix = matrix;
    const popularity = new Float64Array(grownRows);
    popularity.set(this.popularity);
    this.popularity = popularity;
  }
}
