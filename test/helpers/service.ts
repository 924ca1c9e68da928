import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { credentials, loadPackageDefinition, type Client, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { loadConfig, type Config } from "../../src/config";
import { silentLogger } from "../../src/log";
import { startService, type RunningService } from "../../src/service";
import { afterAll, beforeAll } from "vitest";
import { RecsClient } from "../../src/client/recs-client";
import type { Item } from "../../src/server/generated/recs/v1/Item";
import { postgresAvailable, redisAvailable, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName } from "./servers";

export type StoreKind = "embedded" | "real";

/** Where a test service keeps its state; reusable across restarts of the service. */
export interface TestStorage {
  kind: StoreKind;
  overrides: Partial<Config>;
  /** The env a child process needs to use the same storage. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** Fresh, isolated storage: a temp data dir (embedded) or a new database + Redis prefix (real). */
export async function createTestStorage(kind: StoreKind): Promise<TestStorage> {
  if (kind === "embedded") {
    const dataDir = mkdtempSync(join(tmpdir(), "recs-test-"));
    return {
      kind,
      overrides: { dataDir, databaseUrl: undefined, redisUrl: undefined },
      env: { RECS_DATA_DIR: dataDir },
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const database = uniqueName("recs_test");
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  const prefix = `${uniqueName("t")}:`;
  return {
    kind,
    overrides: { databaseUrl: url.toString(), redisUrl: TEST_REDIS_URL, redisPrefix: prefix },
    env: { DATABASE_URL: url.toString(), REDIS_URL: TEST_REDIS_URL, RECS_REDIS_PREFIX: prefix },
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.end();
      const { Redis } = await import("ioredis");
      const redis = new Redis(TEST_REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

export interface TestService {
  service: RunningService;
  client: RecsClient;
  target: string;
  config: Config;
}

/** Starts the real service in this process on 127.0.0.1:0 with a client connected to it. */
export async function startTestService(storage: TestStorage, overrides: Partial<Config> = {}): Promise<TestService> {
  const config = loadConfig(
    {},
    {
      port: 0,
      logLevel: "silent",
      loadSampleCatalog: "never",
      embeddingDim: 8,
      storeTimeoutMs: 500,
      ...storage.overrides,
      ...overrides,
    },
  );
  const service = await startService(config, silentLogger, { seed: 7 });
  const target = `127.0.0.1:${service.port}`;
  return { service, client: new RecsClient(target, { apiKey: config.apiKeys[0] }), target, config };
}

/** A small deterministic catalog: `count` items over `categories` categories, unit embeddings of `dim`. */
export function testCatalog(count: number, dim = 8, categories = 4): Item[] {
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const category = i % categories;
    const embedding = Array.from({ length: dim }, (_, j) => (j === category ? 1 : 0) + 0.1 * Math.sin(i * 7 + j * 3));
    const norm = Math.hypot(...embedding);
    items.push({
      itemId: `item-${i}`,
      embedding: embedding.map((v) => v / norm),
      category: `cat-${category}`,
      attributes: { brand: `brand-${i % 5}`, color: i % 2 ? "red" : "blue" },
    });
  }
  return items;
}

/** A standard health client (grpc.health.v1) for the service. */
export function healthClient(target: string): Client & {
  Check(req: { service: string }, cb: (err: ServiceError | null, res?: { status: string }) => void): void;
  Watch(req: { service: string }): NodeJS.EventEmitter & { cancel(): void };
} {
  const definition = loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
  const pkg = loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: new (t: string, c: ReturnType<typeof credentials.createInsecure>) => never } } };
  };
  return new pkg.grpc.health.v1.Health(target, credentials.createInsecure());
}

/** The gRPC status code of a rejected call (or "OK"). */
export async function codeOf(promise: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await promise;
    return { code: 0, details: "" };
  } catch (err) {
    const e = err as ServiceError;
    return { code: e.code, details: e.details };
  }
}

/**
 * The service a suite shares; `enabled` is false when real stores are missing (outside CI only: under CI=true the check
 * throws).
 */
export interface SuiteService {
  readonly t: TestService;
  readonly enabled: boolean;
}

/**
 * Registers beforeAll/afterAll for one service on fresh storage of `kind`, holding `catalogSize` test
 * items, started with `overrides`; stopped and its storage dropped after the suite.
 */
export function serviceForSuite(
  kind: StoreKind,
  options: { overrides?: Partial<Config>; catalogSize?: number } = {},
): SuiteService {
  let storage: TestStorage | undefined;
  let service: TestService | undefined;
  let enabled = true;
  beforeAll(async () => {
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) {
      enabled = false;
      return;
    }
    storage = await createTestStorage(kind);
    service = await startTestService(storage, options.overrides);
    await service.client.upsertItems(testCatalog(options.catalogSize ?? 40));
  });
  afterAll(async () => {
    service?.client.close();
    await service?.service.stop();
    await storage?.drop();
  });
  return {
    get t() {
      if (!service) throw new Error("the suite's service is not running (real stores unavailable?)");
      return service;
    },
    get enabled() {
      return enabled;
    },
  };
}
