import { NO_RULES, type SlotRules } from "../bandit/slate";
import type { CatalogItem, SessionEvent } from "../state/ports";
import type { CatalogMirror } from "./catalog-mirror";
import type { SlateRules } from "./types";

/** No business rules. */
export const NO_SLATE_RULES: Readonly<SlateRules> = Object.freeze({ pinnedIds: [], maxPerCategory: 0, boosts: [] });

/**
 * A request's rules in candidate terms, for the slate (src/bandit/slate.ts): each pinned id at its
 * position among the candidates (ids not among them are left out, so never placed), every candidate's
 * category number when there is a cap, the sum of the boosts each candidate matches. The service and
 * the offline evaluator both resolve rules here, so a logged decision replays under the same ones.
 */
export function candidateRules(
  catalog: CatalogMirror,
  indices: ArrayLike<number>,
  items: readonly CatalogItem[],
  rules: Readonly<SlateRules>,
): SlotRules {
  if (!hasRules(rules)) return NO_RULES;
  const n = indices.length;
  const pinned: number[] = [];
  if (rules.pinnedIds.length > 0) {
    const wanted = new Set<number>();
    for (const id of rules.pinnedIds) {
      const index = catalog.indexOf(id);
      if (index !== undefined) wanted.add(index);
    }
    const positionOf = new Map<number, number>();
    for (let c = 0; c < n && positionOf.size < wanted.size; c++) {
      const index = indices[c]!;
      if (wanted.has(index) && !positionOf.has(index)) positionOf.set(index, c);
    }
    // A repeated id repeats its position: the slate skips it as already taken.
    for (const id of rules.pinnedIds) {
      const position = positionOf.get(catalog.indexOf(id) ?? -1);
      if (position !== undefined) pinned.push(position);
    }
  }
  let categories: Int32Array | null = null;
  if (rules.maxPerCategory > 0) {
    categories = new Int32Array(n);
    for (let c = 0; c < n; c++)
      categories[c] = catalog.hasCategory(indices[c]!) ? catalog.categoryNumberAt(indices[c]!) : -1;
  }
  let boosts: Float64Array | null = null;
  if (rules.boosts.length > 0) {
    boosts = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      const attributes = items[c]!.attributes;
      for (const boost of rules.boosts)
        if (Object.hasOwn(attributes, boost.attribute) && attributes[boost.attribute] === boost.value)
          boosts[c]! += boost.weight;
    }
  }
  return { pinned, maxPerCategory: rules.maxPerCategory, categories, boosts };
}

/**
 * The candidate indices with the placeable pinned items first (in the catalog, available, not
 * excluded), each once, ahead of the retrieved ones (without them): pins are not bound by
 * `candidate_ids` or `category`, so they are added here, not retrieved.
 */
export function withPinned(
  catalog: CatalogMirror,
  retrieved: number[],
  pinnedIds: readonly string[],
  excludeIds: readonly string[],
): number[] {
  if (pinnedIds.length === 0) return retrieved;
  const filter = catalog.filter("", excludeIds);
  const front: number[] = [];
  const seen = new Set<number>();
  for (const id of pinnedIds) {
    const index = catalog.indexOf(id);
    if (index === undefined || seen.has(index) || !catalog.passes(index, filter)) continue;
    seen.add(index);
    front.push(index);
  }
  if (front.length === 0) return retrieved;
  for (const index of retrieved) if (!seen.has(index)) front.push(index);
  return front;
}

/**
 * The session window for one request: the client's recent items (newest first, as clicks at `nowMs`,
 * unknown ones dropped) ahead of the stored window. Never stored.
 */
export function withRecentItems(
  catalog: CatalogMirror,
  window: SessionEvent[],
  recentItemIds: readonly string[],
  nowMs: number,
): SessionEvent[] {
  if (recentItemIds.length === 0) return window;
  const recent: SessionEvent[] = [];
  for (const itemId of recentItemIds)
    if (catalog.indexOf(itemId) !== undefined) recent.push({ itemId, type: "click", atMs: nowMs });
  return recent.length === 0 ? window : [...recent, ...window];
}

/** The pinned ids a slate did not place, in request order (a repeated id past its first use included). */
export function unplacedPinned(pinnedIds: readonly string[], placed: ReadonlySet<string>): string[] {
  const used = new Set<string>();
  const out: string[] = [];
  for (const id of pinnedIds) {
    if (placed.has(id) && !used.has(id)) used.add(id);
    else out.push(id);
  }
  return out;
}

/**
 * SlateRules as a log row holds them, in the evaluator's file format (snake_case; `parseLogRules` in
 * src/eval/log-rules.ts reads it back): the impression rows and the log files share it.
 */
export function formatLogRules(rules: SlateRules): Record<string, unknown> {
  return { pinned_ids: rules.pinnedIds, max_per_category: rules.maxPerCategory, boosts: rules.boosts };
}

/** Whether a request carries any rule (a pin, a cap or a boost). */
export function hasRules(rules: Readonly<SlateRules>): boolean {
  return rules.pinnedIds.length > 0 || rules.maxPerCategory > 0 || rules.boosts.length > 0;
}
