import type { Server as HttpServer } from "node:http";
import { fileURLToPath } from "node:url";
import { AggregatorRegistry } from "prom-client";
import type { Config } from "./config";
import { firstEmbeddingLength, loadCatalogFile } from "./engine/catalog-loader";
import { Engine } from "./engine/engine";
import { EngineMetrics } from "./engine/metrics";
import type { Logger } from "./log";
import { closeMetrics, serveMetrics, type Readiness } from "./server/metrics-endpoint";
import { ServerMetrics } from "./server/metrics";
import { startGrpcServer } from "./server/server";
import { durableStoreName, openStores, type Stores } from "./state/open-stores";

/** The sample catalog loaded into an empty embedded store on first start. */
export const SAMPLE_CATALOG = fileURLToPath(new URL("../data/catalog.jsonl", import.meta.url));

export interface RunningService {
  port: number;
  metricsPort: number | null;
  engine: Engine;
  stores: Stores;
  /** Health NOT_SERVING, no new calls, in-flight calls finish, writes flushed, stores closed. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the whole service: stores (migrated), the sample catalog when due, the engine, the gRPC
 * server (NOT_SERVING until everything is ready), and the metrics endpoint with its probes (503 on
 * /readyz until then).
 */
export async function startService(
  config: Config,
  logger: Logger,
  options: {
    seed?: number;
    onListening?: (port: number) => void /** A cluster worker: the primary serves the metrics of all workers. */;
    metricsInPrimary?: boolean;
  } = {},
): Promise<RunningService> {
  const metrics = new ServerMetrics();
  const engineMetrics = new EngineMetrics(metrics.registry);
  const server = await startGrpcServer(config, logger, metrics);
  // The probes answer from the start: live at once, ready once stores, catalog and model are loaded.
  let readiness: Readiness = "starting";
  let metricsServer: HttpServer | null = null;
  if (!options.metricsInPrimary && config.metricsPort > 0) {
    try {
      metricsServer = await serveMetrics(metrics.registry, config, logger, () => readiness);
    } catch (err) {
      await server.drain(0);
      throw err;
    }
  }
  options.onListening?.(server.port);
  let stores: Stores;
  try {
    stores = await openStores(config, logger, (what) => {
      engineMetrics.corruptState.inc({ what });
      logger.warn({ what }, "corrupt stored value treated as missing");
    });
  } catch (err) {
    await server.drain(0);
    await closeMetrics(metricsServer);
    throw err;
  }
  let engine: Engine | null = null;
  try {
    await loadSampleCatalogIfDue(config, stores, logger);
    engine = await Engine.start({
      config,
      durable: stores.durable,
      ephemeral: stores.ephemeral,
      logger,
      registry: metrics.registry,
      metrics: engineMetrics,
      seed: options.seed,
    });
    if (options.metricsInPrimary) {
      // Constructing one is what makes prom-client answer the primary's requests in this worker.
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([metrics.registry]);
    }
    warnIfCatalogEmpty(engine, logger);
    server.serve(engine);
    readiness = "ready";
    logger.info(
      {
        port: server.port,
        items: engine.catalog.size,
        embedded: stores.embeddedDurable,
        store: durableStoreName(config),
      },
      "recs is serving",
    );
  } catch (err) {
    await server.drain(0);
    await closeMetrics(metricsServer);
    await engine?.close();
    await stores.close().catch(() => undefined);
    throw err;
  }
  const running = { engine, server, metricsServer };
  let stopping: Promise<void> | null = null;
  return {
    port: server.port,
    metricsPort: metricsServer ? ((metricsServer.address() as { port: number }).port ?? null) : null,
    engine,
    stores,
    stop(graceMs = 7_000) {
      stopping ??= (async () => {
        readiness = "stopping";
        running.server.setNotServing();
        await running.server.drain(graceMs);
        await running.engine.close();
        await closeMetrics(running.metricsServer);
        await stores.close();
        logger.info("recs stopped");
      })();
      return stopping;
    },
  };
}

/**
 * Loads the sample catalog into an empty catalog when configured to. A sample that cannot be used
 * (missing, or made for another RECS_EMBEDDING_DIM) is a warning, not a failed start: the service is
 * still useful once a catalog is loaded.
 */
async function loadSampleCatalogIfDue(config: Config, stores: Stores, logger: Logger): Promise<void> {
  const due = config.loadSampleCatalog === "always" || (config.loadSampleCatalog === "auto" && stores.embeddedDurable);
  if (!due || (await stores.durable.items.count()) > 0) return;
  let dim: number | null;
  try {
    dim = await firstEmbeddingLength(SAMPLE_CATALOG);
  } catch (err) {
    logger.warn(
      { file: SAMPLE_CATALOG, err },
      "the sample catalog cannot be read; not loaded (set RECS_LOAD_SAMPLE_CATALOG=never to skip it)",
    );
    return;
  }
  if (dim !== config.embeddingDim) {
    logger.warn(
      { file: SAMPLE_CATALOG, sampleDim: dim, embeddingDim: config.embeddingDim },
      `the sample catalog's embeddings have ${dim ?? "no"} values but RECS_EMBEDDING_DIM is ${config.embeddingDim}; ` +
        `not loaded (set RECS_LOAD_SAMPLE_CATALOG=never to skip it)`,
    );
    return;
  }
  const result = await loadCatalogFile(SAMPLE_CATALOG, stores.durable.items, config.embeddingDim);
  const level = result.rejected > 0 ? "warn" : "info";
  logger[level](
    { file: SAMPLE_CATALOG, upserted: result.accepted, rejected: result.rejected },
    "empty catalog: loaded the sample catalog",
  );
}

/** An empty catalog is a working but useless service: say so once at start, with the way out. */
function warnIfCatalogEmpty(engine: Engine, logger: Logger): void {
  if (engine.catalog.size > 0) return;
  logger.warn(
    "the catalog is empty, so every Recommend answers with no items: " +
      "load one with Catalog.UpsertItems or `recs load-catalog FILE` (on the embedded store, " +
      "while the server is stopped)",
  );
}
