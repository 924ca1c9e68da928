import { randomUUID } from "node:crypto";
import { silentLogger, type Logger } from "../../log";
import type { EphemeralStores } from "../ports";
import { connectRedis, connectRedisCluster, type ClusterSeed } from "./redis-client";
import { redisKeys } from "./redis-keys";
import { RedisModelBus } from "./redis-model-bus";
import { RedisServingContextStore } from "./redis-serving-context-store";
import { RedisSessionStore } from "./redis-session-store";
import { servingContextTtlMs } from "../serving-context-retention";

export interface RedisStoresOptions {
  /** REDIS_URL, for a standalone server; exactly one of `url` and `cluster`. */
  url?: string;
  /** RECS_REDIS_CLUSTER: seed nodes of a Redis Cluster. */
  cluster?: readonly ClusterSeed[];
  /** Prefix of every key written (RECS_REDIS_PREFIX, `recs:` by default). */
  prefix: string;
  /** Events kept per session window. */
  sessionWindow: number;
  /** Idle seconds before a session window expires. */
  sessionTtlS: number;
  /** How long a recommendation waits for feedback before it is due. */
  rewardWaitMs: number;
  /** How long a context is kept after it is due; default 10% of `rewardWaitMs` + 60 s. */
  contextGraceMs?: number;
  /** Tags this replica's model updates; default a random id per call, so two in one process still differ. */
  replicaId?: string;
  /** Bound of every command on the shared connection (default 5 s). */
  commandTimeoutMs?: number;
  logger?: Logger;
  /**
   * Called once per stored value that could not be decoded (`session_event`, `serving_context`, `model_update_batch`).
   */
  onCorrupt?: (what: string) => void;
}

function connect(options: RedisStoresOptions, logger: Logger) {
  const { url, cluster, commandTimeoutMs } = options;
  if (cluster && cluster.length > 0) {
    if (url) throw new Error("openRedisStores takes a url or cluster seeds, not both");
    return connectRedisCluster({ seeds: cluster, logger, commandTimeoutMs });
  }
  if (!url) throw new Error("openRedisStores needs a url or cluster seeds");
  return connectRedis({ url, logger, commandTimeoutMs });
}

/**
 * Connects to Redis or a Redis Cluster (failing fast with a message that says how to fix it) and builds the Redis-side
 * stores on one shared connection, plus a dedicated one for the model stream once someone subscribes.
 */
export async function openRedisStores(options: RedisStoresOptions): Promise<EphemeralStores> {
  const logger = options.logger ?? silentLogger;
  const onCorrupt = options.onCorrupt ?? (() => undefined);
  const redis = await connect(options, logger);
  const keys = redisKeys(options.prefix);
  const sessions = new RedisSessionStore(redis, keys, {
    sessionWindow: options.sessionWindow,
    sessionTtlS: options.sessionTtlS,
    logger,
    onCorrupt,
  });
  const servingContexts = new RedisServingContextStore(redis, keys, {
    rewardWaitMs: options.rewardWaitMs,
    contextTtlMs: servingContextTtlMs(options.rewardWaitMs, options.contextGraceMs),
    logger,
    onCorrupt,
  });
  const modelBus = new RedisModelBus(redis, keys, { replicaId: options.replicaId ?? randomUUID(), logger, onCorrupt });
  let closed: Promise<void> | null = null;
  return {
    sessions,
    servingContexts,
    modelBus,
    ping: () => redis.ping(),
    close: () =>
      (closed ??= (async () => {
        await modelBus.close();
        await Promise.all([sessions.close(), servingContexts.close()]);
        await redis.close();
      })()),
  };
}
