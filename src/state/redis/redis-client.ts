import { createHash } from "node:crypto";
import calculateSlot from "cluster-key-slot";
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { describeError, Unavailable } from "../../errors";
import { withinMs } from "../../time-limit";
import type { Logger } from "../../log";

/**
 * The few Redis calls the Redis-side stores make, so the stores never see ioredis and a test can read
 * exactly what they depend on (like bullmq's `redis-client.ts`). Writes go through Lua scripts so each
 * is atomic and one round trip. The client talks to one standalone server (`REDIS_URL`) or a Redis
 * Cluster (`RECS_REDIS_CLUSTER`). Each script touches one logical object (the keys of one hash slot),
 * except the feedback path's batch writes (`appendAll`, `markRewardedAll`), which carry up to
 * MAX_SCRIPT_BATCH objects per call: one call per event cost the server ~28 µs of CPU per event in
 * ioredis's per-command work. On a cluster `runScriptBatched` splits those calls by slot.
 */
export interface RedisClient {
  /** True on a Redis Cluster: every script call's keys must then share one hash slot. */
  readonly sharded: boolean;
  /** Runs a script (EVALSHA, loading it on NOSCRIPT); bulk replies arrive as UTF-8 strings. */
  runScript(script: LuaScript, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown>;
  /** Same, with bulk replies as Buffers, for binary values. */
  runScriptBinary(script: LuaScript, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  getBinary(key: string): Promise<Buffer | null>;
  setBinary(key: string, value: Buffer, ttlMs: number): Promise<void>;
  /** The id of a stream's newest entry, or null when the stream is empty or missing. */
  lastStreamId(key: string): Promise<string | null>;
  /** Entries after `afterId`, waiting up to `blockMs` for the first; empty on timeout. */
  readStream(key: string, afterId: string, blockMs: number, count: number): Promise<StreamEntry[]>;
  ping(): Promise<void>;
  /**
   * A new connection to the same server for blocking reads, which would otherwise hold up every other
   * command. It reconnects forever in the background and connects on first use.
   */
  duplicateForBlocking(): RedisClient;
  /** Closes the connection; pending commands are rejected. */
  close(): Promise<void>;
}

export type RedisArg = string | number | Buffer;

/** Objects one batch-write script call carries at most, so no call holds Redis for more than ~1 ms. */
export const MAX_SCRIPT_BATCH = 250;

/**
 * Runs a batch-write script once per MAX_SCRIPT_BATCH items, in order, the calls sent together (one
 * round trip); each call gets its chunk's keys and arguments. On a standalone server a call's keys span
 * hash slots; on a cluster the items are first grouped by the slot of `slotKeyOf(item)` (each item's
 * keys share that slot through their hash tag), keeping their order within a slot, so no call spans
 * slots. ioredis then pipelines the calls per node. Resolves to the calls' replies.
 */
export async function runScriptBatched<T>(
  redis: RedisClient,
  script: LuaScript,
  items: readonly T[],
  slotKeyOf: (item: T) => string,
  keysOf: (chunk: readonly T[]) => string[],
  argsOf: (chunk: readonly T[]) => RedisArg[],
): Promise<unknown[]> {
  const groups = redis.sharded ? groupBySlot(items, slotKeyOf) : [items];
  const calls: Promise<unknown>[] = [];
  for (const group of groups) {
    for (let start = 0; start < group.length; start += MAX_SCRIPT_BATCH) {
      const chunk = group.slice(start, start + MAX_SCRIPT_BATCH);
      calls.push(redis.runScript(script, keysOf(chunk), argsOf(chunk)));
    }
  }
  return Promise.all(calls);
}

function groupBySlot<T>(items: readonly T[], slotKeyOf: (item: T) => string): T[][] {
  const bySlot = new Map<number, T[]>();
  for (const item of items) {
    const slot = calculateSlot(slotKeyOf(item));
    const group = bySlot.get(slot);
    if (group) group.push(item);
    else bySlot.set(slot, [item]);
  }
  return [...bySlot.values()];
}

/**
 * ioredis's Buffer-reply script calls exist at run time but not in its typings. They, unlike
 * `callBuffer("EVALSHA", …)`, survive auto-pipelining (which mangles `call`'s command name).
 */
interface BufferScripts {
  evalshaBuffer(sha1: string, numKeys: number, ...rest: RedisArg[]): Promise<unknown>;
  evalBuffer(source: string, numKeys: number, ...rest: RedisArg[]): Promise<unknown>;
}

export interface StreamEntry {
  id: string;
  fields: Map<string, Buffer>;
}

export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

export interface ConnectOptions {
  url: string;
  logger: Logger;
  /** Bounds every command so a stalled server fails a request instead of hanging it. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** Hides the password of a Redis URL for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/**
 * Connects once, failing fast with a message that says how to fix it. After that first connection the
 * client reconnects in the background for as long as it lives, and while Redis is away every command
 * fails at once (no offline queue, no retries) instead of piling up behind the outage.
 */
export async function connectRedis(options: ConnectOptions): Promise<RedisClient> {
  const { url, logger } = options;
  let connectedOnce = false;
  let lastError: unknown = null;
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    connectTimeout: options.connectTimeoutMs ?? 3_000,
    keepAlive: 10_000,
    // Commands issued in the same tick go out in one write: under load many requests' session reads,
    // appends and context reads share round trips.
    enableAutoPipelining: true,
    // Before the first connection a failure is the operator's to fix; after it, an outage is waited out.
    retryStrategy: (attempt) => (connectedOnce ? reconnectDelayMs(attempt) : null),
  });
  watchConnection(redis, logger, "redis", (err) => (lastError = err));
  try {
    const connectMs = (options.connectTimeoutMs ?? 3_000) * 2;
    await withinMs(
      redis.connect().then(() => redis.ping()),
      connectMs,
      () => new Error(`no answer within ${connectMs} ms`),
    );
  } catch (err) {
    redis.disconnect();
    const reason = describeCause(lastError ?? err);
    throw new Unavailable(
      `REDIS_URL ${redactRedisUrl(url)} is unreachable (${reason}): ` +
        `start Redis or unset REDIS_URL to use in-memory session state`,
      { cause: lastError ?? err },
    );
  }
  connectedOnce = true;
  return new IoRedisClient(redis, logger);
}

export interface ConnectClusterOptions extends Omit<ConnectOptions, "url"> {
  /** Seed nodes (RECS_REDIS_CLUSTER); the client discovers the rest of the cluster from any of them. */
  seeds: readonly ClusterSeed[];
}

export interface ClusterSeed {
  host: string;
  port: number;
}

/**
 * Like `connectRedis`, for a Redis Cluster. Each command goes to the master of its key's slot; while a
 * master is down its slots fail (after ioredis's short redirection retries, bounded by the command
 * timeout) and the rest keep working; once a replica is promoted the client follows the new slot map.
 */
export async function connectRedisCluster(options: ConnectClusterOptions): Promise<RedisClient> {
  const { seeds, logger } = options;
  const seedList = seeds.map((s) => `${s.host}:${s.port}`).join(",");
  let connectedOnce = false;
  let lastError: unknown = null;
  const clusterOptions: ClusterOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    // ioredis groups a cluster's auto-pipelines by the slot of a command's first argument, which for a
    // script is its sha1, not a key: a pipeline would then mix nodes and fail. Scripts go out singly.
    autoPipeliningIgnoredCommands: ["evalsha", "eval", "evalshaBuffer", "evalBuffer"],
    // A failed-over slot answers MOVED or CLUSTERDOWN for a few seconds: retry briefly, then fail.
    maxRedirections: 6,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: options.connectTimeoutMs ?? 3_000,
    clusterRetryStrategy: (attempt) => (connectedOnce ? reconnectDelayMs(attempt) : null),
    redisOptions: {
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      connectTimeout: options.connectTimeoutMs ?? 3_000,
      keepAlive: 10_000,
    },
  };
  const cluster = new Cluster(
    seeds.map((s) => ({ ...s })),
    clusterOptions,
  );
  watchConnection(cluster, logger, "redis-cluster", (err) => (lastError = err));
  try {
    const connectMs = (options.connectTimeoutMs ?? 3_000) * 2;
    await withinMs(
      cluster.connect().then(() => cluster.ping()),
      connectMs,
      () => new Error(`no answer within ${connectMs} ms`),
    );
  } catch (err) {
    cluster.disconnect();
    const reason = describeCause(lastError ?? err);
    throw new Unavailable(
      `RECS_REDIS_CLUSTER ${seedList} is unreachable (${reason}): ` +
        `start the Redis Cluster (every seed must be a cluster node) or unset RECS_REDIS_CLUSTER`,
      { cause: lastError ?? err },
    );
  }
  connectedOnce = true;
  return new IoRedisClient(cluster, logger);
}

function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 10), 2_000);
}

function describeCause(err: unknown): string {
  if (err instanceof Error) return err.message.replace(/^connect /, "");
  return String(err);
}

/** Logs an outage once when it starts and once when it ends, not on every failed reconnect attempt. */
function watchConnection(redis: Redis | Cluster, logger: Logger, name: string, onError: (err: unknown) => void): void {
  let down = false;
  redis.on("error", (err: unknown) => {
    onError(err);
    if (!down)
      logger.warn(
        { connection: name, err: describeError(err) },
        "Redis connection failed; reconnecting in the background",
      );
    down = true;
  });
  redis.on("ready", () => {
    if (down) logger.info({ connection: name }, "Redis connection restored");
    down = false;
  });
}

/** Standalone and cluster clients share ioredis's command API; only connection handling differs. */
class IoRedisClient implements RedisClient {
  readonly sharded: boolean;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly logger: Logger,
    /** A blocked read holds the connection, so QUIT would wait behind it: such a connection is cut instead. */
    private readonly blocking = false,
  ) {
    this.sharded = redis instanceof Cluster;
  }

  async runScript(script: LuaScript, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(script.sha1, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return this.redis.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  async runScriptBinary(script: LuaScript, keys: readonly string[], args: readonly RedisArg[]): Promise<unknown> {
    try {
      return await (this.redis as unknown as BufferScripts).evalshaBuffer(script.sha1, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return (this.redis as unknown as BufferScripts).evalBuffer(script.source, keys.length, ...keys, ...args);
    }
  }

  lrange(key: string, start: number, stop: number): Promise<string[]> {
    return this.redis.lrange(key, start, stop);
  }

  getBinary(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(key);
  }

  async setBinary(key: string, value: Buffer, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, "PX", ttlMs);
  }

  async lastStreamId(key: string): Promise<string | null> {
    await this.connectIfIdle();
    const newest = await this.redis.xrevrange(key, "+", "-", "COUNT", 1);
    return newest[0]?.[0] ?? null;
  }

  async readStream(key: string, afterId: string, blockMs: number, count: number): Promise<StreamEntry[]> {
    await this.connectIfIdle();
    const reply = await this.redis.xreadBuffer("COUNT", count, "BLOCK", blockMs, "STREAMS", key, afterId);
    const entries: StreamEntry[] = [];
    for (const [, streamEntries] of reply ?? []) {
      for (const [id, flat] of streamEntries) {
        const fields = new Map<string, Buffer>();
        for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString("utf8"), flat[i + 1]!);
        entries.push({ id: id.toString("utf8"), fields });
      }
    }
    return entries;
  }

  /** A lazily connected client (the blocking one) connects on first use; without an offline queue it must. */
  private async connectIfIdle(): Promise<void> {
    if (this.redis.status === "wait") await this.redis.connect();
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  duplicateForBlocking(): RedisClient {
    const overrides: RedisOptions = {
      lazyConnect: true,
      commandTimeout: undefined,
      enableAutoPipelining: false,
      // A blocked read on a dead connection must still end: BLOCK time plus this grace.
      blockingTimeout: 1,
      blockingTimeoutGrace: 2_000,
      retryStrategy: reconnectDelayMs,
    };
    const blocking =
      this.redis instanceof Cluster
        ? this.redis.duplicate(undefined, {
            lazyConnect: true,
            enableAutoPipelining: false,
            clusterRetryStrategy: reconnectDelayMs,
            redisOptions: {
              ...this.redis.options.redisOptions,
              commandTimeout: undefined,
              blockingTimeout: 1,
              blockingTimeoutGrace: 2_000,
            },
          })
        : this.redis.duplicate(overrides);
    watchConnection(blocking, this.logger, "redis-blocking", () => undefined);
    return new IoRedisClient(blocking, this.logger, true);
  }

  async close(): Promise<void> {
    if (this.redis.status === "ready" && !this.blocking) {
      try {
        await withinMs(this.redis.quit(), 1_000, () => new Error("no answer within 1000 ms"));
        return;
      } catch {
        // Fall through: a server that does not answer QUIT is simply cut off.
      }
    }
    this.redis.disconnect();
  }
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("NOSCRIPT");
}
