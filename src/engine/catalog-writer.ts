import type { CatalogItem, ItemStore } from "../state/ports";
import type { ItemWrite } from "./item-validation";

/** What a writer reports as its batches reach the store. */
export interface CatalogWriterHooks {
  /** A batch is stored: the items as they now are (for the in-memory mirror), and how many writes it accepted. */
  written(items: CatalogItem[], accepted: number): void;
  /** The availability-only write at stream position `at` named an item the catalog does not hold. */
  unknown(at: number, itemId: string): void;
}

/**
 * The validated writes of one upsert stream or catalog file, in batches: whole items through
 * `ItemStore.upsert`, availability-only writes through `ItemStore.setAvailability`, which changes
 * nothing else of an item and only of a known one. Stream order holds: an availability write after a
 * pending whole item folds into it; a whole item after a pending availability write of the same id
 * flushes first, so the earlier write meets the catalog as it was.
 */
export class CatalogWriter {
  private items = new Map<string, CatalogItem>();
  /** Writes folded into `items` (an id written twice, an availability write on a pending item). */
  private itemWrites = 0;
  /** Per id: the latest availability asked for, and the stream positions that asked. */
  private availability = new Map<string, { available: boolean; at: number[] }>();
  private availabilityWrites = 0;

  constructor(
    private readonly store: Pick<ItemStore, "upsert" | "setAvailability">,
    private readonly hooks: CatalogWriterHooks,
    private readonly maxBatch: number,
  ) {}

  async add(write: ItemWrite, at: number): Promise<void> {
    if (write.kind === "item") {
      if (this.availability.has(write.item.itemId)) await this.flush();
      this.items.set(write.item.itemId, write.item);
      this.itemWrites++;
    } else {
      const pendingItem = this.items.get(write.itemId);
      const asked = this.availability.get(write.itemId);
      if (pendingItem) {
        this.items.set(write.itemId, { ...pendingItem, available: write.available });
        this.itemWrites++;
      } else {
        if (asked) {
          asked.available = write.available;
          asked.at.push(at);
        } else this.availability.set(write.itemId, { available: write.available, at: [at] });
        this.availabilityWrites++;
      }
    }
    if (this.itemWrites + this.availabilityWrites >= this.maxBatch) await this.flush();
  }

  /** Writes whatever is pending: the whole items first, then the availability changes. */
  async flush(): Promise<void> {
    const items = [...this.items.values()];
    const availability = [...this.availability];
    const itemWrites = this.itemWrites;
    const availabilityWrites = this.availabilityWrites;
    this.items = new Map();
    this.availability = new Map();
    this.itemWrites = this.availabilityWrites = 0;
    if (items.length > 0) {
      await this.store.upsert(items);
      this.hooks.written(items, itemWrites);
    }
    if (availability.length === 0) return;
    const result = await this.store.setAvailability(
      availability.map(([itemId, { available }]) => ({ itemId, available })),
    );
    const unknown = new Set(result.unknown);
    let refused = 0;
    for (const [itemId, { at }] of availability) {
      if (!unknown.has(itemId)) continue;
      refused += at.length;
      for (const position of at) this.hooks.unknown(position, itemId);
    }
    this.hooks.written(result.items, availabilityWrites - refused);
  }
}
