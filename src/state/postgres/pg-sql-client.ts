import pg from "pg";
import type { Logger } from "../../log";
import {
  checkedSchemaName,
  SCHEMA_RACE_CODES,
  sqlState,
  type SqlClient,
  type SqlExecutor,
  type SqlResult,
} from "./sql-client";

export interface PgClientOptions {
  url: string;
  /** Every connection's search_path; created if missing. */
  schema?: string;
  logger: Logger;
  /** Connections in the pool. Modest: each replica needs few, and Postgres counts them all. */
  maxConnections?: number;
  /** Server-side limit of one statement, so a stuck query frees its connection. */
  statementTimeoutMs?: number;
}

function executorOf(queryable: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<Row extends object>(
      text: string,
      params: readonly unknown[] = [],
      prepareAs?: string,
    ): Promise<SqlResult<Row>> {
      const result =
        prepareAs === undefined
          ? await queryable.query<Row>(text, params as unknown[])
          : await queryable.query<Row>({ name: prepareAs, text, values: params as unknown[] });
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      // Without parameters node-postgres uses the simple protocol, which runs several statements.
      await queryable.query(script);
    },
  };
}

/**
 * A node-postgres pool behind the SqlClient interface. Connects lazily; call `query("SELECT 1")` to
 * find out whether the server is there.
 */
export async function createPgClient(options: PgClientOptions): Promise<SqlClient> {
  const schema = options.schema === undefined ? undefined : checkedSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    // A transaction left open by a crashed caller would hold row locks forever.
    idle_in_transaction_session_timeout: 60_000,
    application_name: "recs",
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection dropped by the server emits here; unhandled, it would crash the process.
  pool.on("error", (err) => options.logger.warn({ err: err.message }, "postgres: idle connection lost"));

  const base = executorOf(pool);
  const client: SqlClient = {
    engine: "postgres",
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      // The pool listens for errors only on idle connections: one lost mid-transaction (server gone,
      // network cut) would emit an unhandled 'error' and crash the process. The statement in flight
      // rejects anyway, so the event only needs a listener; the connection is then released broken.
      let lost: Error | null = null;
      const onLost = (err: Error) => {
        lost = err;
        options.logger.warn({ err: err.message }, "postgres: connection lost during a transaction");
      };
      connection.on("error", onLost);
      const release = (broken: boolean) => {
        connection.removeListener("error", onLost);
        connection.release(broken || lost !== null);
      };
      try {
        await connection.query("BEGIN");
        const out = await fn(executorOf(connection));
        await connection.query("COMMIT");
        release(false);
        return out;
      } catch (err) {
        try {
          await connection.query("ROLLBACK");
          release(false);
        } catch {
          // The connection is in an unknown state: destroy it rather than hand it to the next caller.
          release(true);
        }
        throw err;
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };

  if (schema) {
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (err) {
      if (!SCHEMA_RACE_CODES.has(sqlState(err) ?? "")) {
        await pool.end().catch(() => undefined);
        throw err;
      }
    }
  }
  return client;
}
