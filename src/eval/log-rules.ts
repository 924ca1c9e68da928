import type { SlateRules } from "../engine/types";

export { formatLogRules } from "../engine/rules";

/**
 * A log row's optional "rules" in the file format (snake_case, like the rest of the row):
 *   {"pinned_ids"?: [item id], "max_per_category"?: int ≥ 0, "boosts"?: [{"attribute": str,
 *    "value": str, "weight": finite number}]}
 * Absent parts mean none. `fail(field, problem)` throws the reader's error for the row.
 */
export function parseLogRules(value: unknown, fail: (field: string, problem: string) => never): SlateRules {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail("rules", `must be an object, got ${JSON.stringify(value)}`);
  const record = value as Record<string, unknown>;
  const pinned = record.pinned_ids ?? [];
  if (!Array.isArray(pinned) || pinned.some((id) => typeof id !== "string" || id.length === 0))
    fail("rules.pinned_ids", "must be an array of non-empty item ids");
  const cap = record.max_per_category ?? 0;
  if (typeof cap !== "number" || !Number.isInteger(cap) || cap < 0)
    fail("rules.max_per_category", `must be a whole number ≥ 0 (0 = no cap), got ${JSON.stringify(cap)}`);
  const boosts = record.boosts ?? [];
  if (!Array.isArray(boosts)) fail("rules.boosts", "must be an array");
  return {
    pinnedIds: pinned as string[],
    maxPerCategory: cap,
    boosts: boosts.map((boost: unknown, i) => {
      const b = (typeof boost === "object" && boost !== null ? boost : {}) as Record<string, unknown>;
      if (typeof b.attribute !== "string" || typeof b.value !== "string")
        fail(`rules.boosts[${i}]`, "must have string attribute and value");
      if (typeof b.weight !== "number" || !Number.isFinite(b.weight))
        fail(`rules.boosts[${i}].weight`, `must be a finite number, got ${JSON.stringify(b.weight)}`);
      return { attribute: b.attribute, value: b.value, weight: b.weight };
    }),
  };
}
