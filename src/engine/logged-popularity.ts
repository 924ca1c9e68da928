import type { EventLog } from "../state/ports";
import type { CatalogMirror } from "./catalog-mirror";

/** Positive feedback of an item beyond its last this many adds under 1e-17 to its popularity (0.999^n). */
export const POPULARITY_COUNT_LIMIT = 40_000;

/** Items whose logged feedback is read per query. */
const PAGE = 1000;

/**
 * Counts every catalog item's popularity from the positive feedback the event log holds (every writer's,
 * imported history included), as `FeedbackFlow` counted each event when it was accepted: what a starting
 * replica does, so popularity outlives a restart. Returns the items that had any.
 */
export async function countLoggedPopularity(catalog: CatalogMirror, events: EventLog): Promise<number> {
  let counted = 0;
  for (let start = 0; start < catalog.size; start += PAGE) {
    const ids: string[] = [];
    for (let index = start; index < Math.min(catalog.size, start + PAGE); index++) ids.push(catalog.at(index).itemId);
    const logged = await events.loggedPositiveFeedback(ids, POPULARITY_COUNT_LIMIT);
    for (const [itemId, feedback] of logged) {
      if (feedback.length === 0) continue;
      catalog.recountPopularity(
        itemId,
        feedback.map((f) => ({ weight: Math.min(f.reward, 5), organic: f.organic })),
      );
      counted++;
    }
  }
  return counted;
}
