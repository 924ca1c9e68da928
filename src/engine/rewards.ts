import type { RewardMap } from "../config-values";
import type { FeedbackKind } from "../state/ports";

/** The reward of a feedback event: its explicit reward if given, else the configured one for its type. */
export function rewardFor(type: FeedbackKind, explicit: number | null, rewards: RewardMap): number {
  if (explicit !== null) return explicit;
  return type === "unspecified" ? 0 : rewards[type];
}
