import { describeError } from "../../errors";
import type { Logger } from "../../log";
import type { DueServingContext, RewardMark, ServedItemLookup, ServingContext, ServingContextStore } from "../ports";
import { luaScript, runScriptBatched, type RedisClient } from "./redis-client";
import type { RedisKeys } from "./redis-keys";
import { addToIndexes, deleteObjects, takeIndex } from "./redis-user-index";
import { decodeServedItem, decodeServingContext, encodeServingContext } from "./serving-context-codec";

/** Adds to the due set and keeps the set alive at least as long as its newest context. */
const SCHEDULE = luaScript(`
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);

/**
 * For each (context key, rewarded-set key) pair of KEYS, with its item (ARGV[1 + j] for the j-th pair):
 * marks the item only while its context is held, and lets the mark expire with the context, so a late
 * or unknown recommendation id leaves nothing behind. ARGV[1] is the TTL for a context without one.
 */
const MARK_REWARDED_ALL = luaScript(`
local fallback = tonumber(ARGV[1])
local marked = 0
for i = 1, #KEYS, 2 do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl ~= -2 then
    if ttl < 0 then ttl = fallback end
    redis.call('SADD', KEYS[i + 1], ARGV[(i + 1) / 2 + 1])
    redis.call('PEXPIRE', KEYS[i + 1], ttl)
    marked = marked + 1
  end
end
return marked
`);

/**
 * Picks the due ids and removes them in one atomic step: whichever caller's script runs first owns them,
 * so two replicas never claim the same context.
 */
const CLAIM_DUE = luaScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #ids, 500 do
  redis.call('ZREM', KEYS[1], unpack(ids, i, math.min(i + 499, #ids)))
end
return ids
`);

/** Reads a claimed context and its rewarded set, then deletes both. */
const TAKE = luaScript(`
local blob = redis.call('GET', KEYS[1])
local rewarded = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
return {blob, rewarded}
`);

/** Takes recommendation ids (ARGV) out of the due set. */
const UNSCHEDULE = luaScript(`
for i = 1, #ARGV, 500 do
  redis.call('ZREM', KEYS[1], unpack(ARGV, i, math.min(i + 499, #ARGV)))
end
return 1
`);

/** Keeps one claim's Lua script short, so it never stalls Redis for long. */
const MAX_CLAIM_BATCH = 1_000;

export interface RedisServingContextStoreOptions {
  rewardWaitMs: number;
  /** How long a context is kept (from `servingContextTtlMs`). */
  contextTtlMs: number;
  logger: Logger;
  onCorrupt: (what: string) => void;
}

/**
 * Serving contexts as binary blobs with a TTL, a sorted set of due times, and a set of rewarded items per
 * context. A claim that fails half way (Redis lost mid-claim) can drop a context: it then gets no default
 * reward, which is the safe side (never a double update). The connection belongs to `openRedisStores`.
 */
export class RedisServingContextStore implements ServingContextStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: RedisServingContextStoreOptions,
  ) {}

  async put(context: ServingContext): Promise<void> {
    const { contextTtlMs, rewardWaitMs } = this.options;
    // Three slots (the context's, the due set's, the user's index), so three commands; sent together
    // they still cost one round trip.
    const dueAtMs = context.servedAtMs + rewardWaitMs;
    await Promise.all([
      addToIndexes(
        this.redis,
        [{ key: this.keys.userServingContexts(context.userId), score: dueAtMs, member: context.recommendationId }],
        contextTtlMs,
      ),
      this.redis.setBinary(
        this.keys.servingContext(context.recommendationId),
        encodeServingContext(context),
        contextTtlMs,
      ),
      this.redis.runScript(SCHEDULE, [this.keys.dueContexts], [dueAtMs, context.recommendationId, contextTtlMs]),
    ]);
  }

  async get(recommendationId: string): Promise<ServingContext | null> {
    const blob = await this.redis.getBinary(this.keys.servingContext(recommendationId));
    return (blob && this.decode(recommendationId, blob, (b) => decodeServingContext(recommendationId, b))) ?? null;
  }

  async servedItem(recommendationId: string, itemId: string): Promise<ServedItemLookup> {
    const blob = await this.redis.getBinary(this.keys.servingContext(recommendationId));
    const served = blob === null ? undefined : this.decode(recommendationId, blob, (b) => decodeServedItem(b, itemId));
    return served === undefined ? { found: false } : { found: true, ...served };
  }

  async markRewarded(recommendationId: string, itemId: string): Promise<void> {
    await this.markRewardedAll([{ recommendationId, itemId }]);
  }

  /** One script call per MAX_SCRIPT_BATCH marks, sent together; like `appendAll`, grouped by slot on a cluster. */
  async markRewardedAll(marks: readonly RewardMark[]): Promise<void> {
    await runScriptBatched(
      this.redis,
      MARK_REWARDED_ALL,
      marks,
      (m) => this.keys.servingContext(m.recommendationId),
      (chunk) =>
        chunk.flatMap((m) => [
          this.keys.servingContext(m.recommendationId),
          this.keys.rewardedItems(m.recommendationId),
        ]),
      (chunk) => [this.options.contextTtlMs, ...chunk.map((m) => m.itemId)],
    );
  }

  async claimDue(nowMs: number, limit: number): Promise<DueServingContext[]> {
    const batch = Math.min(Math.floor(limit), MAX_CLAIM_BATCH);
    if (!(batch > 0)) return [];
    const ids = (await this.redis.runScript(CLAIM_DUE, [this.keys.dueContexts], [nowMs, batch])) as string[];
    const taken = await Promise.allSettled(
      ids.map((id) =>
        this.redis.runScriptBinary(TAKE, [this.keys.servingContext(id), this.keys.rewardedItems(id)], []),
      ),
    );
    const failed = taken.filter((outcome) => outcome.status === "rejected");
    if (failed.length > 0) {
      // These ids left the due set but could not be read: they get no default reward.
      this.options.logger.warn(
        { lost: failed.length, err: describeError(failed[0]!.reason) },
        "claimed serving contexts could not be read",
      );
      if (failed.length === ids.length) throw failed[0]!.reason;
    }
    const claimed: DueServingContext[] = [];
    taken.forEach((outcome, i) => {
      if (outcome.status === "rejected") return;
      const [blob, rewarded] = outcome.value as [Buffer | null, Buffer[]];
      // Expired before anyone claimed it: nothing left to reward.
      if (blob === null) return;
      const context = this.decode(ids[i]!, blob, (b) => decodeServingContext(ids[i]!, b));
      if (context) claimed.push({ context, rewardedItemIds: rewarded.map((item) => item.toString("utf8")) });
    });
    return claimed;
  }

  async forgetUser(userId: string): Promise<number> {
    const ids = await takeIndex(this.redis, this.keys.userServingContexts(userId));
    if (ids.length === 0) return 0;
    const [deleted] = await Promise.all([
      deleteObjects(
        this.redis,
        ids.map((id) => [this.keys.servingContext(id), this.keys.rewardedItems(id)]),
        2,
      ),
      this.redis.runScript(UNSCHEDULE, [this.keys.dueContexts], ids),
    ]);
    return deleted;
  }

  async close(): Promise<void> {}

  /** The decoded value; undefined (reported) when the blob is undecodable, which counts as missing. */
  private decode<T>(recommendationId: string, blob: Buffer, decoding: (blob: Buffer) => T): T | undefined {
    try {
      return decoding(blob);
    } catch (err) {
      this.options.onCorrupt("serving_context");
      this.options.logger.warn(
        { recommendationId, err: describeError(err) },
        "serving context is undecodable; treating it as missing",
      );
      return undefined;
    }
  }
}
