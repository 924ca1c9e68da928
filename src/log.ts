import cluster from "node:cluster";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * The service's structured JSON logger. Secrets are redacted wherever they appear in a log object.
 * `destination` defaults to stdout; tests pass a buffer to read what was logged.
 */
export function createLogger(
  level: string = process.env.RECS_LOG_LEVEL ?? "info",
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    // The workers of `RECS_WORKERS` share one stdout: each of their lines says which worker wrote it.
    base: cluster.isWorker && cluster.worker ? { service: "recs", worker: cluster.worker.id } : { service: "recs" },
    redact: {
      paths: ["apiKey", "*.apiKey", "metadata.x-api-key", "headers.x-api-key", "x-api-key"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: "silent" });
