/**
 * Every key the Redis-side stores write, under one configurable prefix. The `{...}` hash tag keeps each
 * logical object (a session window; a serving context and its rewarded set; a user's indexes) in one cluster slot, so a
 * script touching one object runs on a cluster; the due set and the model stream are objects of their
 * own, each in one slot. (Batch writes span objects; on a cluster they are split by slot: see
 * `runScriptBatched`.)
 */
export interface RedisKeys {
  /** List of encoded session events, newest first. */
  session(sessionId: string): string;
  /** Binary serving context blob. */
  servingContext(recommendationId: string): string;
  /** Set of item ids that received feedback, in the serving context's slot. */
  rewardedItems(recommendationId: string): string;
  /** Sorted set of a user's session ids (score: last append), for DeleteUser; in the user's slot. */
  userSessions(userId: string): string;
  /** Sorted set of a user's recommendation ids (score: due time), for DeleteUser; in the user's slot. */
  userServingContexts(userId: string): string;
  /** Sorted set of recommendation ids scored by the time they become due. */
  readonly dueContexts: string;
  /** Stream of model update batches shared by the replicas. */
  readonly modelUpdates: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    session: (sessionId) => `${prefix}{s:${sessionId}}`,
    servingContext: (recommendationId) => `${prefix}{rc:${recommendationId}}`,
    rewardedItems: (recommendationId) => `${prefix}{rc:${recommendationId}}:r`,
    userSessions: (userId) => `${prefix}{u:${userId}}:s`,
    userServingContexts: (userId) => `${prefix}{u:${userId}}:rc`,
    dueContexts: `${prefix}{due}`,
    modelUpdates: `${prefix}{model-updates}`,
  };
}
