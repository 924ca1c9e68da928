import pg from "pg";
import { Redis } from "ioredis";
import type { Config } from "../../src/config";
import { FaultProxy } from "../helpers/fault-proxy";
import { postgresAvailable, redisAvailable, TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/servers";
import {
  createTestStorage,
  startTestService,
  testCatalog,
  type TestService,
  type TestStorage,
} from "../helpers/service";

/** Whether the real servers are there (under CI they must be: these helpers throw instead of skipping). */
export async function realStoresUp(): Promise<boolean> {
  return (await postgresAvailable()) && (await redisAvailable());
}

/**
 * What a call may take beyond a store deadline: scheduling on a busy 2-core machine running other suites.
 * Generous, yet far below what a call would cost without a deadline (the 5 s Redis command timeout, a
 * hung Postgres). The sharp claim is the median once the breaker is open.
 */
export const SLACK_MS = 1_000;

/** Short deadlines so faults show quickly; the breaker (5 failures, 2 s half-open) is the engine's own. */
export const FAULT_CONFIG: Partial<Config> = { storeTimeoutMs: 100, snapshotIntervalS: 3600 };

/**
 * A service on fresh real storage (its own database and Redis prefix) whose Redis and Postgres traffic
 * both go through fault proxies, plus direct connections to the same database and keys for assertions.
 */
export interface FaultyStack {
  t: TestService;
  storage: TestStorage;
  redisProxy: FaultProxy;
  postgresProxy: FaultProxy;
  /** Direct to the test's database, past the proxy. */
  db: pg.Client;
  /** Direct to Redis, past the proxy; keys need `prefix`. */
  redis: Redis;
  prefix: string;
  close(): Promise<void>;
}

export async function startFaultyStack(overrides: Partial<Config> = {}, catalogSize = 40): Promise<FaultyStack> {
  const storage = await createTestStorage("real");
  const redisProxy = FaultProxy.forUrl(TEST_REDIS_URL, 6379);
  const postgresProxy = FaultProxy.forUrl(TEST_DATABASE_URL, 5432);
  await redisProxy.start();
  await postgresProxy.start();
  const databaseUrl = storage.overrides.databaseUrl as string;
  const t = await startTestService(storage, {
    ...FAULT_CONFIG,
    databaseUrl: postgresProxy.proxiedUrl(databaseUrl),
    redisUrl: redisProxy.proxiedUrl(TEST_REDIS_URL),
    ...overrides,
  });
  if (catalogSize > 0) await t.client.upsertItems(testCatalog(catalogSize));
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const redis = new Redis(TEST_REDIS_URL);
  return {
    t,
    storage,
    redisProxy,
    postgresProxy,
    db,
    redis,
    prefix: storage.overrides.redisPrefix as string,
    async close() {
      t.client.close();
      await redisProxy.pass();
      await postgresProxy.pass();
      await t.service.stop(1_000).catch(() => undefined);
      await redisProxy.stop();
      await postgresProxy.stop();
      await db.end();
      redis.disconnect();
      await storage.drop();
    },
  };
}

/** Runs `call` and returns its result (or error) with how long it took. */
export async function timed<T>(
  call: () => Promise<T>,
): Promise<{ ms: number; value?: T; error?: { code: number; details: string } }> {
  const started = performance.now();
  try {
    const value = await call();
    return { ms: performance.now() - started, value };
  } catch (err) {
    const e = err as { code: number; details: string };
    return { ms: performance.now() - started, error: { code: e.code, details: e.details } };
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export { eventually } from "../helpers/eventually";

/** The sum of a prom-client counter over all its label values. */
export async function counterTotal(counter: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** The number of model updates a model version names (`…-u<count>`). */
export function updatesIn(modelVersion: string): number {
  const match = /-u(\d+)$/.exec(modelVersion);
  if (!match) throw new Error(`model version ${modelVersion} does not end in -u<count>`);
  return Number(match[1]);
}
