import { silentLogger } from "../../../src/log";
import { durableStoresOn } from "../../../src/state/postgres/open-postgres-stores";
import { createPgClient } from "../../../src/state/postgres/pg-sql-client";
import { createPgliteClient } from "../../../src/state/postgres/pglite-sql-client";
import type { SqlClient, SqlExecutor } from "../../../src/state/postgres/sql-client";
import type { DurableStores } from "../../../src/state/ports";
import { TEST_DATABASE_URL, uniqueName } from "../../helpers/servers";

/** Stores opened for one test, the SQL client behind them (for checks the ports do not expose). */
export interface OpenedStores {
  stores: DurableStores;
  sql: SqlClient;
  /** Everything the stores reported as unreadable. */
  corrupt: string[];
  /**
   * Another store instance on the same database with its own pool, as a second replica opens it.
   * Absent on PGlite, one connection in one process: there, concurrent callers share the instance.
   */
  replica?: () => Promise<DurableStores>;
}

/** Swaps the engine under the contract suites (STYLE §11). */
export interface DurableHarness {
  engine: "pglite" | "postgres";
  /** Fresh stores on an empty database (own schema, or own in-memory PGlite); `migrate` not yet run. */
  openUnmigrated(embeddingDim?: number): Promise<OpenedStores>;
  /** A bare SQL client on an empty schema of its own, for the SqlClient contract. */
  openClient(): Promise<SqlClient>;
  /** Closes everything opened during the test (afterEach). */
  closeAll(): Promise<void>;
  /** Drops what the suite created (afterAll). */
  dispose(): Promise<void>;
}

export const TEST_DIM = 4;

/** Fresh, migrated stores. */
export async function openMigrated(harness: DurableHarness, embeddingDim = TEST_DIM): Promise<OpenedStores> {
  const opened = await harness.openUnmigrated(embeddingDim);
  await opened.stores.migrate();
  return opened;
}

function tracked(open: SqlClient[], sql: SqlClient, embeddingDim: number, corrupt: string[]): DurableStores {
  open.push(sql);
  return durableStoresOn(sql, {
    embeddingDim,
    logger: silentLogger,
    onCorrupt: (kind, detail) => void corrupt.push(`${kind}: ${detail}`),
  });
}

/**
 * A view of a shared PGlite database confined to one schema: every statement runs in a transaction
 * that first sets the search_path. Starting a PGlite database costs around a second even from a
 * template, so a suite shares one and isolates its tests by schema, as the Postgres suite does.
 */
function schemaView(shared: SqlClient, schema: string): SqlClient {
  const inSchema = <T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> =>
    shared.transaction(async (tx) => {
      await tx.exec(`SET LOCAL search_path TO ${schema}`);
      return fn(tx);
    });
  return {
    engine: shared.engine,
    query: (text, params) => inSchema((tx) => tx.query(text, params)),
    exec: (script) => inSchema((tx) => tx.exec(script)),
    transaction: inSchema,
    close: async () => {},
  };
}

/** Embedded PGlite in memory: one database per suite, a new schema per test. */
export function pgliteHarness(): DurableHarness {
  let shared: Promise<SqlClient> | undefined;
  const sharedClient = (): Promise<SqlClient> => (shared ??= createPgliteClient({}));
  return {
    engine: "pglite",
    // The shared client itself (no schema view): what is under test is PGlite's own queueing.
    openClient: sharedClient,
    async openUnmigrated(embeddingDim = TEST_DIM) {
      const schema = uniqueName("recs_test");
      const db = await sharedClient();
      await db.exec(`CREATE SCHEMA ${schema}`);
      const corrupt: string[] = [];
      const sql = schemaView(db, schema);
      return {
        stores: durableStoresOn(sql, {
          embeddingDim,
          logger: silentLogger,
          onCorrupt: (kind, detail) => void corrupt.push(`${kind}: ${detail}`),
        }),
        sql,
        corrupt,
      };
    },
    async closeAll() {},
    async dispose() {
      await (await shared)?.close();
    },
  };
}

/** The real Postgres, a new random schema per test, all dropped at the end. */
export function postgresHarness(): DurableHarness {
  const open: SqlClient[] = [];
  const schemas: string[] = [];
  const connectTo = (schema: string): Promise<SqlClient> => {
    schemas.push(schema);
    return createPgClient({ url: TEST_DATABASE_URL, schema, logger: silentLogger, maxConnections: 4 });
  };
  return {
    engine: "postgres",
    async openClient() {
      const sql = await connectTo(uniqueName("recs_test"));
      open.push(sql);
      return sql;
    },
    async openUnmigrated(embeddingDim = TEST_DIM) {
      const schema = uniqueName("recs_test");
      const corrupt: string[] = [];
      const connect = (): Promise<SqlClient> => connectTo(schema);
      const sql = await connect();
      return {
        stores: tracked(open, sql, embeddingDim, corrupt),
        sql,
        corrupt,
        replica: async () => tracked(open, await connect(), embeddingDim, corrupt),
      };
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((sql) => sql.close()));
    },
    async dispose() {
      const sql = await createPgClient({ url: TEST_DATABASE_URL, logger: silentLogger, maxConnections: 1 });
      try {
        for (const schema of schemas.splice(0)) await sql.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await sql.close();
      }
    },
  };
}
