import { freePort } from "../helpers/process";
import { Writable } from "node:stream";
import { loadConfig, type Config } from "../../src/config";
import { createLogger } from "../../src/log";
import { startService, type RunningService } from "../../src/service";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, type TestStorage } from "../helpers/service";

/** Log lines written by the service, parsed; `raw` is the exact text, for "never appears" checks. */
export interface CapturedLog {
  raw(): string;
  lines(): Array<Record<string, unknown>>;
}

/** A pino destination that keeps everything in memory. */
export function captureLog(): { destination: Writable; log: CapturedLog } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const log: CapturedLog = {
    raw: () => chunks.join(""),
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
  return { destination, log };
}

export interface OpsService {
  service: RunningService;
  target: string;
  config: Config;
  log: CapturedLog;
}

/**
 * The real service on 127.0.0.1:0 with the production logger (same redaction) at debug level,
 * writing into memory instead of stdout.
 */
export async function startOpsService(storage: TestStorage, overrides: Partial<Config> = {}): Promise<OpsService> {
  const config = loadConfig(
    {},
    {
      port: 0,
      loadSampleCatalog: "never",
      embeddingDim: 8,
      storeTimeoutMs: 500,
      logLevel: "debug",
      ...storage.overrides,
      ...overrides,
    },
  );
  const { destination, log } = captureLog();
  const service = await startService(config, createLogger(config.logLevel, destination), { seed: 11 });
  return { service, target: `127.0.0.1:${service.port}`, config, log };
}

/**
 * Real Postgres and Redis when they are up (they start in well under a second, PGlite takes seconds),
 * else the embedded stores: these suites test the call path, which is the same over either.
 */
export async function opsStorage(): Promise<TestStorage> {
  const real = (await postgresAvailable()) && (await redisAvailable());
  return createTestStorage(real ? "real" : "embedded");
}

export { freePort };
