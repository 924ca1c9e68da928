import { setTimeout as sleep } from "node:timers/promises";
import { Cluster, Redis } from "ioredis";
import { openMemoryStores } from "../../../src/state/memory/open-memory-stores";
import type { EphemeralStores } from "../../../src/state/ports";
import { openRedisStores } from "../../../src/state/redis/open-redis-stores";
import { redisKeys, type RedisKeys } from "../../../src/state/redis/redis-keys";
import {
  redisAvailable,
  redisClusterAvailable,
  TEST_REDIS_CLUSTER,
  TEST_REDIS_URL,
  uniqueName,
} from "../../helpers/servers";

/**
 * One factory per adapter of the ephemeral stores, so each contract suite runs unchanged against all
 * of them (like bullmq swapping its backend in a setup file): memory, a standalone Redis and a Redis
 * Cluster. Every `open` gets fresh state: a random key prefix on Redis, a new store on memory.
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
  /** Direct access to the keys the adapter wrote; Redis only (a Cluster client routes each key to its node). */
  redis?: { raw: Redis | Cluster; keys: RedisKeys; prefix: string; allKeys(): Promise<string[]> };
}

export interface Adapter {
  name: "memory" | "redis" | "redis-cluster";
  /** Runs `body` with fresh stores, closing them and removing every key they wrote afterwards. */
  withStores(settings: StoreSettings, body: (opened: OpenedStores) => Promise<void>): Promise<void>;
}

const DEFAULTS = { sessionWindow: 50, sessionTtlS: 1800, rewardWaitMs: 600_000 };

export const memoryAdapter: Adapter = {
  name: "memory",
  async withStores(settings, body) {
    let clock = 1_700_000_000_000;
    const corrupt: string[] = [];
    const stores = openMemoryStores({
      ...DEFAULTS,
      ...settings,
      now: () => clock,
      onCorrupt: (what) => corrupt.push(what),
    });
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
  withStores: (settings, body) =>
    withRedisStores(settings, body, {
      open: (url) => ({ url: url ?? TEST_REDIS_URL }),
      raw: () => new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }),
    }),
};

export const redisClusterAdapter: Adapter = {
  name: "redis-cluster",
  withStores: (settings, body) =>
    withRedisStores(settings, body, {
      open: () => ({ cluster: TEST_REDIS_CLUSTER }),
      raw: () =>
        new Cluster(
          TEST_REDIS_CLUSTER.map((seed) => ({ ...seed })),
          { redisOptions: { maxRetriesPerRequest: 1 } },
        ),
    }),
};

interface RedisTarget {
  open(url: string | undefined): { url: string } | { cluster: typeof TEST_REDIS_CLUSTER };
  raw(): Redis | Cluster;
}

async function withRedisStores(
  settings: StoreSettings,
  body: (opened: OpenedStores) => Promise<void>,
  target: RedisTarget,
): Promise<void> {
  const prefix = `${uniqueName("recs_test")}:`;
  const { url, ...rest } = settings;
  const corrupt: string[] = [];
  const open = () =>
    openRedisStores({ ...DEFAULTS, ...rest, ...target.open(url), prefix, onCorrupt: (what) => corrupt.push(what) });
  const raw = target.raw();
  // A cluster's keys live on its masters: scan each.
  const scanned = raw instanceof Cluster ? () => raw.nodes("master") : () => [raw];
  const allKeys = async () => {
    const found: string[] = [];
    for (const node of scanned()) {
      let cursor = "0";
      do {
        const [next, batch] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        found.push(...batch);
        cursor = next;
      } while (cursor !== "0");
    }
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
    // One DEL per key: on a cluster the keys span slots.
    await Promise.all((await allKeys()).map((key) => raw.del(key)));
    raw.disconnect();
  }
}

/**
 * The adapters to run: memory always; Redis when reachable; the Redis Cluster when TEST_REDIS_CLUSTER
 * (or RECS_TEST_REDIS_CLUSTER) names one and it is reachable (under CI=true an unreachable server fails).
 */
export async function adaptersUnderTest(): Promise<Adapter[]> {
  const adapters: Adapter[] = [memoryAdapter];
  if (await redisAvailable()) adapters.push(redisAdapter);
  if (await redisClusterAvailable()) adapters.push(redisClusterAdapter);
  return adapters;
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
