import type { SessionEvent } from "../state/ports";
import type { CatalogMirror } from "./catalog-mirror";

/** How much each older event counts relative to the next newer one. */
export const RECENCY_DECAY = 0.8;

/**
 * The session vector `s`: a recency-weighted mean of the embeddings of the items the session acted on
 * (newest weighs most; dismissals are left out), normalised to unit length. Null when nothing counts.
 */
export function sessionVector(window: SessionEvent[], catalog: CatalogMirror): Float32Array | null {
  const s = new Float32Array(catalog.dim);
  let weight = 1;
  let total = 0;
  for (const event of window) {
    const index = event.type === "dismiss" ? undefined : catalog.indexOf(event.itemId);
    if (index !== undefined) {
      const v = catalog.embeddingAt(index);
      for (let j = 0; j < s.length; j++) s[j]! += weight * v[j]!;
      total += weight;
    }
    weight *= RECENCY_DECAY;
  }
  return total > 0 ? normalise(s) : null;
}

/** Scales to unit length in place; null for a zero vector. */
export function normalise(v: Float32Array): Float32Array | null {
  let norm = 0;
  for (let j = 0; j < v.length; j++) norm += v[j]! * v[j]!;
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  const inv = 1 / Math.sqrt(norm);
  for (let j = 0; j < v.length; j++) v[j]! *= inv;
  return v;
}

/**
 * The long-term embedding after one event: moved toward the item for a positive reward and away for
 * a negative one, by `rate · min(|reward|, 1)`, then normalised.
 */
export function moveLongTerm(
  current: Float32Array | null,
  item: Float32Array,
  reward: number,
  rate: number,
): Float32Array | null {
  if (reward === 0 || rate === 0) return current;
  const step = Math.sign(reward) * rate * Math.min(Math.abs(reward), 1);
  const next = new Float32Array(item.length);
  if (current === null) {
    if (step < 0) return null;
    next.set(item);
    return normalise(next);
  }
  for (let j = 0; j < next.length; j++) next[j] = (1 - Math.abs(step)) * current[j]! + step * item[j]!;
  return normalise(next) ?? current;
}
