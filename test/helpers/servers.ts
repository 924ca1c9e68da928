import { randomBytes } from "node:crypto";

/**
 * Where the real servers of the integration suites are. `.ci/run` points these at its own database;
 * locally they default to the servers the developer machine runs.
 */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * Seed nodes of the Redis Cluster the cluster suites run against; by default the one `.ci/run` (and
 * `scripts/redis-cluster.sh`) starts on 7000-7005.
 */
export const TEST_REDIS_CLUSTER = parseSeeds(
  process.env.RECS_TEST_REDIS_CLUSTER ??
    process.env.TEST_REDIS_CLUSTER ??
    [7000, 7001, 7002, 7003, 7004, 7005].map((port) => `127.0.0.1:${port}`).join(","),
);

export function parseSeeds(list: string): { host: string; port: number }[] {
  return list
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf(":");
      return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
    });
}

/** Under CI a storage suite that cannot reach its server must fail, never skip. */
export const IN_CI = process.env.CI === "true" || process.env.CI === "1";

/** A random name for per-test isolation: Redis key prefixes, Postgres schemas. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

async function reachable(check: () => Promise<void>): Promise<string | null> {
  try {
    await check();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Whether the real Postgres is reachable. Outside CI an unreachable server lets the suite skip (with a
 * message); under CI it throws, so the run fails.
 */
export async function postgresAvailable(): Promise<boolean> {
  const { default: pg } = await import("pg");
  const problem = await reachable(async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    await client.end();
  });
  return decide("Postgres", TEST_DATABASE_URL, problem);
}

/** Same as `postgresAvailable`, for Redis. */
export async function redisAvailable(): Promise<boolean> {
  const { Redis } = await import("ioredis");
  const problem = await reachable(async () => {
    const redis = new Redis(TEST_REDIS_URL, {
      lazyConnect: true,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  });
  return decide("Redis", TEST_REDIS_URL, problem);
}

/** Same as `redisAvailable`, for the Redis Cluster, which must also report `cluster_state:ok`. */
export async function redisClusterAvailable(): Promise<boolean> {
  const seeds = TEST_REDIS_CLUSTER.map((s) => `${s.host}:${s.port}`).join(",");
  const { Cluster } = await import("ioredis");
  const problem = await reachable(async () => {
    const cluster = new Cluster(TEST_REDIS_CLUSTER, {
      lazyConnect: true,
      clusterRetryStrategy: () => null,
      slotsRefreshTimeout: 2000,
      redisOptions: { connectTimeout: 2000, maxRetriesPerRequest: 0 },
    });
    cluster.on("error", () => undefined);
    try {
      await cluster.connect();
      const info = String(await cluster.cluster("INFO"));
      if (!info.includes("cluster_state:ok")) throw new Error("cluster_state is not ok");
    } finally {
      cluster.disconnect();
    }
  });
  return decide("Redis Cluster", seeds, problem);
}

function decide(what: string, url: string, problem: string | null): boolean {
  if (problem === null) return true;
  const message = `${what} at ${url} is unreachable (${problem})`;
  if (IN_CI) throw new Error(`${message}: CI=true, so storage suites must not skip. Start ${what} (see .ci/run).`);
  console.warn(`${message}: skipping its suites outside CI`);
  return false;
}
