import type { LoggedModelUpdate, ModelUpdate } from "../state/ports";
import type { OnlineModel } from "./model";

/** What follows the log: one model (`OnlineModel`) or a replica's surfaces (`SurfaceModels`, routing by surface). */
export type ModelTarget = Pick<OnlineModel, "apply" | "remove">;

/** What one page did to the model. */
export interface PageApplied {
  applied: number;
  removed: number;
  /** Items whose popularity a DeleteUser changed (`recount` rows), to recount. */
  recountItems: string[];
}

/**
 * Applies pages of the log's model-update rows to a model that follows the log in order, DeleteUser's
 * rows included (`LoggedEffect`). An `add` is applied. A `remove` takes back the update at its
 * `removesSeq` unless this reader met that position as a `forgotten` tombstone: then the deletion had
 * committed before the reader got there, so the reader never applied the update. Tombstones met are
 * remembered until their removals come, which are always later in the log (the deletion wrote both in
 * one transaction); at the end of the log every removal has come, so `reachedEnd` forgets them all.
 */
export class ModelLogReader {
  private readonly neverApplied = new Set<string>();

  constructor(
    private readonly model: ModelTarget,
    /**
     * Whether the model still lacks this row (default: every row): false for a row a restored snapshot
     * of its surface already holds. Such a row is skipped whole, a tombstone's too: the snapshot held
     * the update until the removal, which comes later and so is applied.
     */
    private readonly lacks: (update: LoggedModelUpdate) => boolean = () => true,
  ) {}

  apply(updates: readonly LoggedModelUpdate[]): PageApplied {
    let applied = 0;
    const removals: ModelUpdate[] = [];
    const recount = new Set<string>();
    for (const update of updates) {
      if (!this.lacks(update)) continue;
      if (update.effect === "forgotten") this.neverApplied.add(update.seq);
      else if (update.effect === "recount") recount.add(update.itemId);
      else if (update.effect === "add") {
        if (this.model.apply(update)) applied++;
      } else if (update.removesSeq !== null && !this.neverApplied.delete(update.removesSeq)) removals.push(update);
    }
    const removed = removals.length > 0 ? this.model.remove(removals) : 0;
    return { applied, removed, recountItems: [...recount] };
  }

  /** The reader has read to the end of the log: every tombstone it met has had its removal. */
  reachedEnd(): void {
    this.neverApplied.clear();
  }
}
