import { pino, type Logger } from "pino";

export type { Logger };

/** The service's structured JSON logger. Secrets are redacted wherever they appear in a log object. */
export function createLogger(level: string = process.env.RECS_LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    base: { service: "recs" },
    redact: { paths: ["apiKey", "*.apiKey", "metadata.x-api-key", "headers.x-api-key", "x-api-key"], censor: "[redacted]" },
  });
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: "silent" });
