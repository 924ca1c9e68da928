import { USER_INDEX_LIMIT } from "../ports";
import { luaScript, runScriptBatched, type RedisClient } from "./redis-client";

/**
 * For each key of KEYS (a user's index), with its (score, member) at ARGV[1 + 2i], ARGV[2 + 2i]: add the
 * member, keep the ARGV[2] highest-scored, refresh the TTL (ARGV[1] ms), so the index is bounded and
 * lives as long as its newest entry.
 */
const INDEX_ALL = luaScript(`
local keep = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[1 + 2 * i], ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1))
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS
`);

/** Reads an index and deletes it in one step, so two DeleteUser calls never both get its members. */
const TAKE_INDEX = luaScript(`
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return members
`);

/** Deletes every key of KEYS; returns how many of the keys at odd positions (1, 3, … or all, ARGV[1] = 1) existed. */
const DELETE_COUNTING = luaScript(`
local step = tonumber(ARGV[1])
local n = 0
for i = 1, #KEYS, step do
  n = n + redis.call('DEL', KEYS[i])
  for j = i + 1, math.min(i + step - 1, #KEYS) do redis.call('DEL', KEYS[j]) end
end
return n
`);

/** One entry of a user's index. */
export interface IndexEntry {
  key: string;
  score: number;
  member: string;
}

/** Adds the entries to their indexes (each in its user's slot), sent together in one round trip. */
export async function addToIndexes(redis: RedisClient, entries: readonly IndexEntry[], ttlMs: number): Promise<void> {
  if (entries.length === 0) return;
  await runScriptBatched(
    redis,
    INDEX_ALL,
    entries,
    (e) => e.key,
    (chunk) => chunk.map((e) => e.key),
    (chunk) => [ttlMs, USER_INDEX_LIMIT, ...chunk.flatMap((e) => [e.score, e.member])],
  );
}

/** The index's members; the index is gone afterwards. */
export async function takeIndex(redis: RedisClient, key: string): Promise<string[]> {
  return (await redis.runScript(TAKE_INDEX, [key], [])) as string[];
}

/**
 * Deletes objects of `keysPerObject` keys each (one hash slot per object), grouped by slot on a
 * cluster; returns how many objects' first key existed.
 */
export async function deleteObjects(
  redis: RedisClient,
  objects: readonly string[][],
  keysPerObject: number,
): Promise<number> {
  if (objects.length === 0) return 0;
  const replies = await runScriptBatched(
    redis,
    DELETE_COUNTING,
    objects,
    (keys) => keys[0]!,
    (chunk) => chunk.flat(),
    () => [keysPerObject],
  );
  return replies.reduce<number>((sum, n) => sum + Number(n), 0);
}
