import type { SessionEvent } from "../state/ports";
import type { CatalogMirror } from "./catalog-mirror";
import type { RecommendInput } from "./types";

export interface CandidateOptions {
  /** How many to retrieve by similarity when the request names none. */
  retrieve: number;
  /** Leave out items the session already acted on. */
  excludeSessionItems: boolean;
}

/**
 * The candidate set (DESIGN §3 step 4), as catalog indices: the request's `candidate_ids` when given
 * (unknown ids are skipped), else the items nearest the session and long-term vectors plus the popular
 * ones. Never an unavailable item, an excluded one, or one outside the requested category.
 */
export function selectCandidateIndices(
  catalog: CatalogMirror,
  input: Pick<RecommendInput, "candidateIds" | "excludeIds" | "category">,
  window: SessionEvent[],
  session: Float32Array | null,
  longTerm: Float32Array | null,
  options: CandidateOptions,
): number[] {
  const sessionItems =
    options.excludeSessionItems && input.candidateIds.length === 0 ? window.map((event) => event.itemId) : [];
  const filter = catalog.filter(input.category, [...input.excludeIds, ...sessionItems]);

  if (input.candidateIds.length > 0) {
    const seen = new Set<string>();
    const out: number[] = [];
    for (const id of input.candidateIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      const index = catalog.indexOf(id);
      if (index !== undefined && catalog.passes(index, filter)) out.push(index);
    }
    return out;
  }

  const picked = new Set<number>(catalog.nearest([session, longTerm], options.retrieve, filter));
  // Where embeddings are a noisy view of what items are, the nearest items to a session can miss most
  // of its category; the category's own nearest items keep it in the set for the category signals.
  const sessionCategory = input.category === "" ? newestCategory(catalog, window) : undefined;
  if (sessionCategory !== undefined) {
    const inCategory = { ...filter, category: sessionCategory };
    for (const index of catalog.nearest([session, longTerm], Math.ceil(options.retrieve / 4), inCategory))
      picked.add(index);
  }
  // Popular items widen the set, so a shopper with no state still gets candidates and the model can
  // learn about items outside the shopper's neighbourhood.
  const popularQuota = Math.max(20, Math.ceil(options.retrieve / 4));
  let added = 0;
  for (const index of catalog.popularIndices()) {
    if (added >= popularQuota && picked.size >= Math.min(options.retrieve, 50)) break;
    if (picked.has(index) || !catalog.passes(index, filter)) continue;
    picked.add(index);
    added++;
  }
  return Array.from(picked);
}

/** The category number of the newest session event on a known item with a category (dismissals skipped). */
function newestCategory(catalog: CatalogMirror, window: SessionEvent[]): number | undefined {
  for (const event of window) {
    if (event.type === "dismiss") continue;
    const index = catalog.indexOf(event.itemId);
    if (index !== undefined && catalog.hasCategory(index)) return catalog.categoryNumberAt(index);
  }
  return undefined;
}
