/**
 * How long a serving context is kept: its reward wait window plus a grace period, so a claimer that runs
 * a little late (a replica restarting, a slow sweep) still finds it. Shared by the Redis and memory
 * adapters so both forget a context at the same moment.
 */
export function servingContextTtlMs(rewardWaitMs: number, graceMs?: number): number {
  return rewardWaitMs + (graceMs ?? Math.ceil(rewardWaitMs * 0.1) + 60_000);
}
