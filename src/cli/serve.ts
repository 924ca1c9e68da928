import cluster from "node:cluster";
import { loadConfig } from "../config";
import { createLogger } from "../log";
import { startService } from "../service";
import { stopTracing } from "../tracing";
import { runPrimary, type WorkerMessage } from "./cluster";

/** Runs the service until SIGTERM or SIGINT, then shuts down gracefully and exits 0 (within 10 s). */
export async function runServe(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, logger);
  // Machine-readable lines for scripts and tests that start the server on port 0: "bound" as soon as
  // the port is open (health NOT_SERVING), "listening" once it serves. A cluster worker tells the
  // primary instead, which prints them once for all workers.
  const worker = cluster.isWorker;
  const announce = (message: WorkerMessage, line: object) =>
    worker ? process.send?.(message) : console.log(JSON.stringify(line));
  const service = await startService(config, logger, {
    onListening: (port) => announce({ event: "bound", port }, { event: "bound", port }),
    metricsInPrimary: worker,
  });
  announce(
    { event: "listening", port: service.port },
    { event: "listening", port: service.port, metricsPort: service.metricsPort },
  );
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, "shutting down");
      const hardStop = setTimeout(() => {
        logger.error("shutdown took longer than 9.5 s; exiting anyway");
        process.exit(1);
      }, 9_500);
      hardStop.unref();
      service.stop(6_000).then(
        // The last calls' spans go out before the process ends.
        () => void stopTracing().finally(resolve),
        (err: unknown) => {
          logger.error({ err }, "shutdown failed");
          process.exitCode = 1;
          resolve();
        },
      );
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  });
  // A worker's channel to the primary would keep it alive after the service stopped.
  if (worker) cluster.worker?.disconnect();
}
