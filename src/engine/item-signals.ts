import { SIGNAL_COUNT, SIGNALS, type StateVector } from "../bandit/features";
import type { SessionEvent } from "../state/ports";
import type { CatalogMirror } from "./catalog-mirror";
import { RECENCY_DECAY } from "./session-vector";

/**
 * φ's item signals (`SIGNALS`) for candidates at these catalog indices, row-major, SIGNAL_COUNT per
 * candidate: the same numbers for the service (from its session window and profile) and for the
 * offline evaluator (from the state it rebuilds from a log). The session's categories are weighed as
 * the session vector weighs its items: newest most, dismissals left out.
 */
export function itemSignals(
  catalog: CatalogMirror,
  indices: ArrayLike<number>,
  window: readonly SessionEvent[],
  session: StateVector,
  longTerm: StateVector,
): Float64Array {
  const out = new Float64Array(indices.length * SIGNAL_COUNT);
  const shares = sessionCategoryShares(catalog, window);
  const sessionDots = new Map<number, number>();
  const longTermDots = new Map<number, number>();
  for (let c = 0; c < indices.length; c++) {
    const index = indices[c]!;
    const at = c * SIGNAL_COUNT;
    out[at + SIGNALS.popularityLift] = catalog.popularityLift(index);
    if (!catalog.hasCategory(index)) continue;
    const category = catalog.categoryNumberAt(index);
    out[at + SIGNALS.sessionCategory] = shares.get(category) ?? 0;
    out[at + SIGNALS.sessionCentroid] = centroidDot(catalog, category, session, sessionDots);
    out[at + SIGNALS.longTermCentroid] = centroidDot(catalog, category, longTerm, longTermDots);
  }
  return out;
}

/** Category number → recency-weighted share of the window's counted events in it (shares sum to 1). */
function sessionCategoryShares(catalog: CatalogMirror, window: readonly SessionEvent[]): Map<number, number> {
  const shares = new Map<number, number>();
  let weight = 1;
  let total = 0;
  for (const event of window) {
    const index = event.type === "dismiss" ? undefined : catalog.indexOf(event.itemId);
    if (index !== undefined) {
      total += weight;
      if (catalog.hasCategory(index)) {
        const category = catalog.categoryNumberAt(index);
        shares.set(category, (shares.get(category) ?? 0) + weight);
      }
    }
    weight *= RECENCY_DECAY;
  }
  for (const [category, w] of shares) shares.set(category, w / total);
  return shares;
}

function centroidDot(catalog: CatalogMirror, category: number, vector: StateVector, memo: Map<number, number>): number {
  if (vector === null) return 0;
  let value = memo.get(category);
  if (value === undefined) {
    const centroid = catalog.centroidOf(category);
    value = 0;
    if (centroid !== null) for (let j = 0; j < centroid.length; j++) value += centroid[j]! * vector[j]!;
    memo.set(category, value);
  }
  return value;
}
