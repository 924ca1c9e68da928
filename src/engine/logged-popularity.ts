import type { EventLog, PositiveFeedback } from "../state/ports";
import type { CatalogMirror } from "./catalog-mirror";

/** Positive feedback of an item beyond its last this many adds under 1e-17 to its popularity (0.999^n). */
export const POPULARITY_COUNT_LIMIT = 40_000;

/** The most one positive event adds to its item's popularity: a reward of 5 counts as much as a larger one. */
export const POPULARITY_WEIGHT_CAP = 5;

/** Items whose logged feedback is read per query. */
const PAGE = 1000;

/** Replaces each item's popularity with the count of its logged positive feedback, as `FeedbackFlow` counts it. */
function recount(catalog: CatalogMirror, logged: Map<string, PositiveFeedback[]>): number {
  let counted = 0;
  for (const [itemId, feedback] of logged) {
    catalog.recountPopularity(
      itemId,
      feedback.map((f) => ({ weight: Math.min(f.reward, POPULARITY_WEIGHT_CAP), organic: f.organic })),
    );
    if (feedback.length > 0) counted++;
  }
  return counted;
}

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
    counted += recount(catalog, await events.loggedPositiveFeedback(ids, POPULARITY_COUNT_LIMIT));
  }
  return counted;
}

/**
 * Recounts items' popularity from this process's own logged positive feedback (after a DeleteUser took
 * some of it away), as `FeedbackFlow` counted it.
 */
export function recountOwnPopularity(catalog: CatalogMirror, events: EventLog): (itemIds: string[]) => Promise<void> {
  return async (itemIds) => {
    if (itemIds.length === 0) return;
    recount(catalog, await events.ownPositiveFeedback(itemIds, POPULARITY_COUNT_LIMIT));
  };
}
