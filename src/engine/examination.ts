import type { ModelUpdate, ServedItem } from "../state/ports";

/**
 * The chance that a shopper looks at slot `position` (0-based) at all, relative to slot 0: (1 + position)^-exponent.
 */
export function examinationWeight(position: number, exponent: number): number {
  return exponent === 0 ? 1 : (1 + Math.max(0, position)) ** -exponent;
}

/**
 * The model update a reward on a served item makes: its φ as served, scaled by the examination weight
 * of its slot. Clicks are then modelled as weight(slot)·θᵀφ, still linear in the stored features, so an
 * item shown low is not taken for a bad item because its slot is seldom looked at (without this, what
 * the model ranks first gets the clicks and looks better still), and a low slot's silence counts for
 * less. Scoring uses φ unscaled: the prediction is for slot 0. It trains `surface` (the recommendation's).
 */
export function examinedUpdate(
  served: Pick<ServedItem, "itemId" | "position" | "shared" | "arm">,
  reward: number,
  exponent: number,
  surface = "default",
): ModelUpdate {
  const weight = examinationWeight(served.position, exponent);
  if (weight === 1) return { surface, itemId: served.itemId, shared: served.shared, arm: served.arm, reward };
  return {
    surface,
    itemId: served.itemId,
    shared: served.shared.map((v) => v * weight),
    arm: served.arm.map((v) => v * weight),
    reward,
  };
}
