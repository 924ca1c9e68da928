import { join } from "node:path";
import type { Config } from "../config";
import type { Logger } from "../log";
import { openMemoryStores } from "./memory/open-memory-stores";
import { openPostgresStores, redactedUrl } from "./postgres/open-postgres-stores";
import type { DurableStores, EphemeralStores } from "./ports";
import { openRedisStores } from "./redis/open-redis-stores";

export interface Stores {
  durable: DurableStores;
  ephemeral: EphemeralStores;
  /** True when running on the embedded default (PGlite + memory). */
  embeddedDurable: boolean;
  embeddedEphemeral: boolean;
  close(): Promise<void>;
}

/**
 * Which durable store the configuration names, for messages: "embedded store at ./.recs-data" or the URL without its
 * password.
 */
export function durableStoreName(config: Pick<Config, "databaseUrl" | "dataDir">): string {
  return config.databaseUrl ? redactedUrl(config.databaseUrl) : `embedded store at ${config.dataDir}`;
}

/** Whether the configuration names a standalone Redis or a Redis Cluster (config validation allows one). */
export function usesRedis(config: Pick<Config, "redisUrl" | "redisCluster">): boolean {
  return Boolean(config.redisUrl) || config.redisCluster.length > 0;
}

/**
 * Opens the stores the configuration names: Postgres or embedded PGlite, Redis or in-memory. Runs the
 * migrations. Whatever opened before a failure is closed again.
 */
export async function openStores(config: Config, logger: Logger, onCorrupt: (what: string) => void): Promise<Stores> {
  const snapshotsKept = config.modelVersionsKept;
  const durable = await openPostgresStores(
    config.databaseUrl
      ? { url: config.databaseUrl, embeddingDim: config.embeddingDim, snapshotsKept, logger, onCorrupt }
      : { dataDir: config.dataDir, embeddingDim: config.embeddingDim, snapshotsKept, logger, onCorrupt },
  );
  let ephemeral: EphemeralStores;
  try {
    await durable.migrate();
    const windowOptions = {
      sessionWindow: config.sessionWindow,
      sessionTtlS: config.sessionTtlS,
      rewardWaitMs: config.rewardWaitMs,
      logger,
      onCorrupt,
    };
    ephemeral = usesRedis(config)
      ? await openRedisStores({
          url: config.redisUrl,
          cluster: config.redisCluster,
          prefix: config.redisPrefix,
          ...windowOptions,
        })
      : openMemoryStores({
          ...windowOptions,
          persistPath: config.databaseUrl ? undefined : join(config.dataDir, "session-windows.json"),
        });
  } catch (err) {
    await durable.close().catch(() => undefined);
    throw err;
  }
  return {
    durable,
    ephemeral,
    embeddedDurable: !config.databaseUrl,
    embeddedEphemeral: !usesRedis(config),
    async close() {
      const results = await Promise.allSettled([ephemeral.close(), durable.close()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}
