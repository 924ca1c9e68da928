import { Unavailable } from "../../errors";
import { silentLogger, type Logger } from "../../log";
import type { DurableStores } from "../ports";
import { runMigrations } from "./migrator";
import { createPgClient } from "./pg-sql-client";
import { createPgliteClient } from "./pglite-sql-client";
import { PostgresEventLog } from "./postgres-event-log";
import { PostgresItemStore } from "./postgres-item-store";
import { PostgresSettingsStore } from "./postgres-settings-store";
import { PostgresSnapshotStore } from "./postgres-snapshot-store";
import { PostgresUserRepository } from "./postgres-user-repository";
import { checkedSchemaName, type SqlClient } from "./sql-client";
import type { CorruptKind, OnCorrupt } from "./sql-values";

export interface PostgresStoresOptions {
  /** A postgres:// URL: a real server through a connection pool. */
  url?: string;
  /** Without `url`: embedded PGlite with its files in this folder (created if missing). */
  dataDir?: string;
  /** Without `url` or `dataDir`: embedded PGlite in memory (tests; gone at close). */
  memory?: boolean;
  /** Schema of every table (created if missing), for isolation of tests or tenants. */
  schema?: string;
  /** Width of user and item embeddings; stored vectors of another width read as missing. */
  embeddingDim: number;
  /** Model snapshots kept per surface (RECS_MODEL_VERSIONS_KEPT); default SNAPSHOTS_KEPT. */
  snapshotsKept?: number;
  logger?: Logger;
  /**
   * Hears of every stored value that could not be read (besides the log line): its kind
   * (`user_embedding`, `item_embedding`, `model_update`; few, so fit for a metric label) and the detail.
   */
  onCorrupt?: (kind: CorruptKind, detail: string) => void;
}

/** The URL without its password (in the authority or as a `password=` parameter), for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "";
    for (const key of [...parsed.searchParams.keys()]) if (/pass/i.test(key)) parsed.searchParams.set(key, "redacted");
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** Errors of a server that could not be reached at all, as opposed to one that answered with a refusal. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
]);

/** Why connecting failed, in a few words, and whether the server was reached at all. */
function connectionProblem(err: unknown): { reason: string; unreachable: boolean } {
  // Node reports a host with several addresses (localhost) as an AggregateError of one error each.
  const first = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err;
  if (typeof first !== "object" || first === null) return { reason: String(first), unreachable: true };
  const { code, address, port, message } = first as {
    code?: unknown;
    address?: unknown;
    port?: unknown;
    message?: unknown;
  };
  const text = typeof message === "string" ? message : String(first);
  if (typeof code === "string" && NETWORK_CODES.has(code)) {
    const where = typeof address === "string" ? ` ${address}${port === undefined ? "" : `:${String(port)}`}` : "";
    return { reason: where ? `${code}${where}` : text, unreachable: true };
  }
  // node-postgres reports its own connect timeout as a plain Error.
  if (/timeout/i.test(text)) return { reason: text, unreachable: true };
  return { reason: typeof code === "string" ? `${code}: ${text}` : text, unreachable: false };
}

async function connect(options: PostgresStoresOptions, logger: Logger): Promise<SqlClient> {
  // A bad name is a configuration mistake, not a connection problem: say so before connecting.
  if (options.schema !== undefined) checkedSchemaName(options.schema);
  if (options.url !== undefined) {
    const where = redactedUrl(options.url);
    try {
      const client = await createPgClient({
        url: options.url,
        logger,
        ...(options.schema ? { schema: options.schema } : {}),
      });
      try {
        await client.query("SELECT 1");
      } catch (err) {
        await client.close().catch(() => undefined);
        throw err;
      }
      return client;
    } catch (err) {
      const { reason, unreachable } = connectionProblem(err);
      const message = unreachable
        ? `DATABASE_URL ${where} is unreachable (${reason}): ` +
          `start Postgres or unset DATABASE_URL to use the embedded store`
        : `DATABASE_URL ${where} refused the connection (${reason}): ` +
          `fix the URL (user, password, database, sslmode) or unset DATABASE_URL to use the embedded store`;
      throw new Unavailable(message, { cause: err });
    }
  }
  const schema = options.schema ? { schema: options.schema } : {};
  if (options.dataDir !== undefined) return createPgliteClient({ dataDir: options.dataDir, ...schema });
  if (options.memory) return createPgliteClient(schema);
  throw new Error("openPostgresStores needs url, dataDir or memory: true");
}

/** What the stores need besides a connection. */
export interface DurableStoresSettings {
  embeddingDim: number;
  snapshotsKept?: number;
  logger: Logger;
  /** As `PostgresStoresOptions.onCorrupt`. */
  onCorrupt?: (kind: CorruptKind, detail: string) => void;
}

/** The four stores on one SQL client, which they share and `close()` closes. */
export function durableStoresOn(sql: SqlClient, settings: DurableStoresSettings): DurableStores {
  const { embeddingDim, logger } = settings;
  const onCorrupt: OnCorrupt = (kind, detail) => {
    logger.warn({ store: sql.engine, kind }, detail);
    settings.onCorrupt?.(kind, detail);
  };
  return {
    users: new PostgresUserRepository(sql, embeddingDim, onCorrupt),
    items: new PostgresItemStore(sql, embeddingDim, onCorrupt),
    events: new PostgresEventLog(sql, onCorrupt, embeddingDim),
    snapshots: new PostgresSnapshotStore(sql, settings.snapshotsKept),
    settings: new PostgresSettingsStore(sql),
    async migrate(): Promise<void> {
      await runMigrations(sql, logger);
    },
    async ping(): Promise<void> {
      await sql.query("SELECT 1");
    },
    close: () => sql.close(),
  };
}

/**
 * Opens the durable stores on Postgres (`url`) or embedded PGlite (`dataDir`, or `memory`). Fails fast
 * when the server cannot be reached. Does not migrate: call `migrate()` (the service does at start).
 */
export async function openPostgresStores(options: PostgresStoresOptions): Promise<DurableStores> {
  const logger = options.logger ?? silentLogger;
  const sql = await connect(options, logger);
  return durableStoresOn(sql, {
    embeddingDim: options.embeddingDim,
    logger,
    ...(options.snapshotsKept === undefined ? {} : { snapshotsKept: options.snapshotsKept }),
    ...(options.onCorrupt ? { onCorrupt: options.onCorrupt } : {}),
  });
}
