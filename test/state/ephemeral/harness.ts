import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { openMemoryStores } from "../../../src/state/memory/open-memory-stores";
import type { EphemeralStores } from "../../../src/state/ports";
import { openRedisStores } from "../../../src/state/redis/open-redis-stores";
import { redisKeys, type RedisKeys } from "../../../src/state/redis/redis-keys";
import { redisAvailable, TEST_REDIS_URL, uniqueName } from "../../helpers/servers";

/**
 * One factory per adapter of the ephemeral stores, so each contract suite runs unchanged against both
 * (like bullmq swapping its backend in a setup file). Every `open` gets fresh state: a random key prefix
 * on Redis, a new store on memory.
 */
export interface StoreSettings {
  sessionWindow?: number;
  sessionTtlS?: number;
  rewardWaitMs?: number;
  contextGraceMs?: number;
  commandTimeoutMs?: number;
  url?: string;
}

export interface OpenedStores {
  stores: EphemeralStores;
  /** Another handle on the same state: its own connection on Redis, the same object in memory. */
  openPeer(): Promise<EphemeralStores>;
  /** The clock the store's TTLs run on. */
  now(): number;
  /** Lets time pass for the store: sleeps on Redis, moves the injected clock in memory. */
  advance(ms: number): Promise<void>;
  /** What `onCorrupt` reported, in order. */
  corrupt: string[];
  /** Direct access to the keys the adapter wrote; Redis only. */
  redis?: { raw: Redis; keys: RedisKeys; prefix: string; allKeys(): Promise<string[]> };
}

export interface Adapter {
  name: "memory" | "redis";
  /** Runs `body` with fresh stores, closing them and removing every key they wrote afterwards. */
  withStores(settings: StoreSettings, body: (opened: OpenedStores) => Promise<void>): Promise<void>;
}

const DEFAULTS = { sessionWindow: 50, sessionTtlS: 1800, rewardWaitMs: 600_000 };

export const memoryAdapter: Adapter = {
  name: "memory",
  async withStores(settings, body) {
    let clock = 1_700_000_000_000;
    const corrupt: string[] = [];
    const stores = openMemoryStores({ ...DEFAULTS, ...settings, now: () => clock, onCorrupt: (what) => corrupt.push(what) });
    try {
      await body({
        stores,
        openPeer: async () => stores,
        now: () => clock,
        advance: async (ms) => {
          clock += ms;
        },
        corrupt,
      });
    } finally {
      await stores.close();
    }
  },
};

export const redisAdapter: Adapter = {
  name: "redis",
  async withStores(settings, body) {
    const prefix = `${uniqueName("recs_test")}:`;
    const url = settings.url ?? TEST_REDIS_URL;
    const corrupt: string[] = [];
    const open = () => openRedisStores({ ...DEFAULTS, ...settings, url, prefix, onCorrupt: (what) => corrupt.push(what) });
    const raw = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const allKeys = async () => {
      const found: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await raw.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        found.push(...batch);
        cursor = next;
      } while (cursor !== "0");
      return found;
    };
    const opened: EphemeralStores[] = [];
    try {
      opened.push(await open());
      await body({
        stores: opened[0]!,
        openPeer: async () => {
          const peer = await open();
          opened.push(peer);
          return peer;
        },
        now: () => Date.now(),
        advance: (ms) => sleep(ms),
        corrupt,
        redis: { raw, keys: redisKeys(prefix), prefix, allKeys },
      });
    } finally {
      await Promise.all(opened.map((stores) => stores.close()));
      const leftovers = await allKeys();
      if (leftovers.length > 0) await raw.del(...leftovers);
      raw.disconnect();
    }
  },
};

/** The adapters to run: memory always; Redis when reachable (under CI=true an unreachable Redis fails). */
export async function adaptersUnderTest(): Promise<Adapter[]> {
  return (await redisAvailable()) ? [memoryAdapter, redisAdapter] : [memoryAdapter];
}

/** Every key the adapter wrote must expire: nothing grows without bound. */
export async function expectEveryKeyToExpire(opened: OpenedStores, maxTtlMs: number): Promise<number> {
  if (!opened.redis) return 0;
  const keys = await opened.redis.allKeys();
  for (const key of keys) {
    const ttl = await opened.redis.raw.pttl(key);
    if (!(ttl > 0 && ttl <= maxTtlMs)) throw new Error(`key ${key} has PTTL ${ttl}, expected 0 < PTTL ≤ ${maxTtlMs}`);
  }
  return keys.length;
}
