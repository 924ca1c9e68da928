import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { Config } from "../config";
import type { Logger } from "../log";
import { closeMetrics, serveMetrics, type Readiness } from "../server/metrics-endpoint";

/** What a worker tells the primary (`process.send`), and the lines the primary prints for scripts. */
export type WorkerMessage = { event: "bound"; port: number } | { event: "listening"; port: number };

/** Restarts allowed in RESTART_WINDOW_MS before the primary gives up on a crashing worker. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/**
 * RECS_WORKERS > 1: this process forks that many workers, each a full replica (its own model, kept in
 * step with the others over the Redis model stream, DESIGN §4) serving the same port, which Node's
 * cluster module shares between them. The primary prints the "bound" and "listening" lines once every
 * worker listens, serves the workers' metrics summed (prom-client's AggregatorRegistry) on
 * RECS_METRICS_PORT, restarts a worker that dies, and on SIGTERM/SIGINT stops them all gracefully.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const aggregator = new AggregatorRegistry<typeof Registry.PROMETHEUS_CONTENT_TYPE>();
  // The workers' metrics summed (clusterMetrics asks each worker over IPC).
  const ports = new Map<number, number>();
  let announced = false;
  let bound = false;
  let stopping = false;
  // Ready once every worker has served, while one still does; a worker being replaced leaves the rest serving.
  const readiness = (): Readiness => (stopping ? "stopping" : announced && ports.size > 0 ? "ready" : "starting");
  const metricsSource = { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType };
  const metricsServer = config.metricsPort > 0 ? await serveMetrics(metricsSource, config, logger, readiness) : null;
  const metricsPort = metricsServer ? (metricsServer.address() as { port: number }).port : null;
  let failed = false;
  const restarts: number[] = [];

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on("message", (message: WorkerMessage) => {
      if (message.event === "bound" && !bound) {
        bound = true;
        console.log(JSON.stringify({ event: "bound", port: message.port }));
      }
      if (message.event !== "listening") return;
      ports.set(worker.id, message.port);
      if (new Set(ports.values()).size > 1)
        logger.error({ ports: [...ports.values()] }, "workers listen on different ports");
      if (!announced && ports.size === config.workers) {
        announced = true;
        console.log(JSON.stringify({ event: "listening", port: message.port, metricsPort, workers: config.workers }));
        logger.info({ workers: config.workers, port: message.port }, "all workers serving");
      }
    });
    return worker;
  };

  await new Promise<void>((resolve) => {
    const stopAll = (reason: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ reason }, "stopping the workers");
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
      const hardStop = setTimeout(() => {
        logger.error("workers took longer than 9.5 s to stop; killing them");
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      }, 9_500);
      hardStop.unref();
      if (Object.keys(cluster.workers ?? {}).length === 0) resolve();
    };
    cluster.on("exit", (worker, code, signal) => {
      ports.delete(worker.id);
      if (stopping) {
        // A worker still starting has no handler yet, so our SIGTERM ends it outright: that is a stop too.
        if (code !== 0 && signal !== "SIGTERM") failed = true;
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve();
        return;
      }
      if (!announced) {
        // A worker that cannot start (bad configuration, stores unreachable) fails the same way in its siblings.
        logger.error({ worker: worker.id, code, signal }, "a worker failed to start; stopping");
        failed = true;
        stopAll("worker failed to start");
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length > MAX_RESTARTS) {
        logger.error({ restarts: restarts.length }, "workers keep dying; stopping");
        failed = true;
        stopAll("workers keep dying");
        return;
      }
      logger.error({ worker: worker.id, code, signal }, "a worker exited; starting another");
      fork();
    });
    process.once("SIGTERM", () => stopAll("SIGTERM"));
    process.once("SIGINT", () => stopAll("SIGINT"));
    for (let i = 0; i < config.workers; i++) fork();
  });
  await closeMetrics(metricsServer);
  if (failed) process.exitCode = 1;
}
