import { InvalidArgument } from "../errors";
import type { AvailabilityChange, CatalogItem } from "../state/ports";

/** The limits an item must meet, shared by Catalog.UpsertItems and `recs load-catalog`. */
const ITEM_LIMITS = { idBytes: 256, categoryBytes: 256, attributes: 64, attributeBytes: 256 } as const;

/** An item as it arrives, before validation (from the wire or a JSON line). */
export interface RawItem {
  itemId: unknown;
  embedding: unknown;
  category?: unknown;
  attributes?: unknown;
  available?: unknown;
}

const byteLength = (s: string) => Buffer.byteLength(s, "utf8");

/**
 * Postgres text and jsonb cannot hold U+0000: a NUL that got past validation would fail the store call,
 * and with group commit the whole batch (other clients' writes too) and the store's circuit breaker
 * with it. So it is bad input, refused wherever text comes in.
 */
export function checkNoNul(field: string, value: string): string {
  if (value.includes("\u0000")) throw new InvalidArgument(`${field} must not contain the NUL character (U+0000)`);
  return value;
}

/** Checks an id-like string: non-empty, at most `maxBytes` bytes of UTF-8, no NUL. */
export function checkId(field: string, value: unknown, maxBytes = ITEM_LIMITS.idBytes): string {
  if (typeof value !== "string" || value.length === 0) throw new InvalidArgument(`${field} is required`);
  if (byteLength(value) > maxBytes)
    throw new InvalidArgument(`${field} must be at most ${maxBytes} bytes, got ${byteLength(value)}`);
  return checkNoNul(field, value);
}

/**
 * The L2 norms an embedding may have. Below, it is all zeros or rounding noise and has no direction;
 * above, it is a unit or scaling mistake upstream (1e30 per value). Either would be normalised into
 * a confident-looking vector, so it is refused instead.
 */
export const EMBEDDING_NORM_RANGE = { min: 1e-6, max: 1e3 } as const;

/**
 * Validates one item: a non-empty id of at most 256 bytes, an embedding of exactly `dim` finite
 * numbers with an L2 norm in EMBEDDING_NORM_RANGE, a category and attributes within limits. Throws
 * InvalidArgument naming the field. The embedding comes back scaled to unit length: ranking treats
 * s·v and l·v as cosine similarities (the session and long-term vectors are unit vectors) and LinUCB's
 * bound assumes a bounded ‖φ‖, so a longer item vector would simply win every slate.
 */
export function validateItem(raw: RawItem, dim: number): CatalogItem {
  const itemId = checkId("item_id", raw.itemId);
  if (!Array.isArray(raw.embedding) && !(raw.embedding instanceof Float32Array))
    throw new InvalidArgument("embedding is required");
  const values = raw.embedding as ArrayLike<unknown>;
  if (values.length === 0) {
    throw new InvalidArgument(
      `embedding is required to add or replace an item (${dim} values, RECS_EMBEDDING_DIM); ` +
        `to change only its availability, send item_id and available alone`,
    );
  }
  if (values.length !== dim)
    throw new InvalidArgument(`embedding must have exactly ${dim} values (RECS_EMBEDDING_DIM), got ${values.length}`);
  const embedding = new Float32Array(dim);
  let squares = 0;
  for (let i = 0; i < dim; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new InvalidArgument(`embedding[${i}] must be a finite number, got ${String(v)}`);
    if (Math.abs(v) > 3.4e38) throw new InvalidArgument(`embedding[${i}] is out of float range`);
    embedding[i] = v;
    squares += embedding[i]! * embedding[i]!;
  }
  unitLength(itemId, embedding, Math.sqrt(squares));
  const category = raw.category === undefined || raw.category === null ? "" : raw.category;
  if (typeof category !== "string") throw new InvalidArgument("category must be a string");
  if (byteLength(category) > ITEM_LIMITS.categoryBytes)
    throw new InvalidArgument(`category must be at most ${ITEM_LIMITS.categoryBytes} bytes`);
  checkNoNul("category", category);
  const attributes = checkStringMap(
    "attributes",
    raw.attributes ?? {},
    ITEM_LIMITS.attributes,
    ITEM_LIMITS.attributeBytes,
  );
  if (raw.available !== undefined && raw.available !== null && typeof raw.available !== "boolean")
    throw new InvalidArgument("available must be a boolean");
  return { itemId, embedding, category, attributes, available: raw.available !== false };
}

/** One validated catalog write: a whole item, or a change of a known item's availability alone. */
export type ItemWrite = { kind: "item"; item: CatalogItem } | ({ kind: "availability" } & AvailabilityChange);

/**
 * Validates one upserted item (Catalog.UpsertItems, `recs load-catalog`). No embedding and `available`
 * set is an availability-only write (an item going out of stock and back): it needs no embedding,
 * and must not carry a category or attributes, which it could not change without replacing the item.
 * Anything else is a whole item (`validateItem`).
 */
export function validateItemWrite(raw: RawItem, dim: number): ItemWrite {
  const noEmbedding =
    raw.embedding === undefined ||
    raw.embedding === null ||
    (Array.isArray(raw.embedding) && raw.embedding.length === 0);
  if (!noEmbedding || typeof raw.available !== "boolean") return { kind: "item", item: validateItem(raw, dim) };
  const itemId = checkId("item_id", raw.itemId);
  const hasAttributes =
    typeof raw.attributes === "object" && raw.attributes !== null && Object.keys(raw.attributes).length > 0;
  if ((raw.category !== undefined && raw.category !== null && raw.category !== "") || hasAttributes) {
    throw new InvalidArgument(
      `item "${itemId}": category and attributes cannot change without the embedding: send the whole item, ` +
        `or item_id and available alone to change only availability`,
    );
  }
  return { kind: "availability", itemId, available: raw.available };
}

/** Why an availability-only write was refused: there is no item to change. */
export function unknownItemReason(itemId: string): string {
  return (
    `item_id "${itemId}" is not in the catalog: an upsert without embedding only changes the availability ` +
    `of a known item; send the whole item (with its embedding) to add it`
  );
}

/** Scales `embedding` to unit length in place, or refuses a norm outside EMBEDDING_NORM_RANGE, naming the item. */
function unitLength(itemId: string, embedding: Float32Array, norm: number): void {
  const { min, max } = EMBEDDING_NORM_RANGE;
  if (norm === 0) {
    throw new InvalidArgument(
      `item "${itemId}": embedding is all zeros: send the item's real embedding (ranking uses its direction; ` +
        `it is stored scaled to unit length)`,
    );
  }
  if (norm < min || norm > max) {
    throw new InvalidArgument(
      `item "${itemId}": embedding has L2 norm ${norm.toPrecision(3)}, outside 1e-6..1e3: ` +
        `check how it was produced (a scale or unit mistake?); ` +
        "any norm in range is fine, it is stored scaled to unit length",
    );
  }
  for (let i = 0; i < embedding.length; i++) embedding[i]! /= norm;
}

/** Checks a string→string map: at most `maxEntries`, keys non-empty, keys and values at most `maxBytes`. */
export function checkStringMap(
  field: string,
  value: unknown,
  maxEntries: number,
  maxBytes: number,
): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new InvalidArgument(`${field} must be a map of strings`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > maxEntries)
    throw new InvalidArgument(`${field} must have at most ${maxEntries} entries, got ${entries.length}`);
  const out: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (key.length === 0) throw new InvalidArgument(`${field} keys must not be empty`);
    checkNoNul(`${field} keys`, key);
    if (byteLength(key) > maxBytes)
      throw new InvalidArgument(`${field} key "${key.slice(0, 32)}…" must be at most ${maxBytes} bytes`);
    const text = typeof v === "number" && Number.isFinite(v) ? String(v) : v;
    if (typeof text !== "string") throw new InvalidArgument(`${field}["${key}"] must be a string`);
    if (byteLength(text) > maxBytes) throw new InvalidArgument(`${field}["${key}"] must be at most ${maxBytes} bytes`);
    checkNoNul(`${field}["${key}"]`, text);
    out[key] = text;
  }
  return out;
}
