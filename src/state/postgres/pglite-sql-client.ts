import { mkdir } from "node:fs/promises";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { lockDataDir, type DataDirLock } from "./data-dir-lock";
import { checkedSchemaName, type SqlClient, type SqlExecutor, type SqlResult } from "./sql-client";

export interface PgliteClientOptions {
  /** Folder of the database files (created if missing); absent = in memory, gone at close. */
  dataDir?: string;
  /** search_path of the (single) connection; created if missing. */
  schema?: string;
}

/** int8 as decimal strings, as node-postgres returns them, so row mapping is the same on both engines. */
const PARSERS = { 20: (value: string) => value };

/**
 * A freshly initialised cluster, dumped by the first in-memory database of the process before it is
 * used. initdb is most of PGlite's start-up time (seconds); later in-memory databases load this dump
 * instead, in a fraction of that, which matters for test suites opening one per test.
 */
let emptyClusterDump: Promise<File | Blob> | undefined;

async function createInMemory(): Promise<PGlite> {
  if (emptyClusterDump) return PGlite.create({ loadDataDir: await emptyClusterDump, parsers: PARSERS });
  const db = await PGlite.create({ parsers: PARSERS });
  emptyClusterDump = db.dumpDataDir("none");
  await emptyClusterDump.catch(() => (emptyClusterDump = undefined));
  return db;
}

function executorOf(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<Row extends object>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
      const result = await db.query<Row>(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      await db.exec(script);
    },
  };
}

/**
 * PGlite behind the SqlClient interface. PGlite is one connection: its `transaction` holds an internal
 * mutex that every other `query`/`exec`/`transaction` waits on, so concurrent callers queue up and never
 * see or interleave with each other's open transaction. A transaction body must therefore use only
 * its `tx` (a call on the client itself from inside would wait forever).
 */
export async function createPgliteClient(options: PgliteClientOptions): Promise<SqlClient> {
  const schema = options.schema === undefined ? undefined : checkedSchemaName(options.schema);
  let db: PGlite;
  // A folder is this process's alone while open (a second PGlite on it would lose writes): see data-dir-lock.ts.
  let lock: DataDirLock | null = null;
  if (options.dataDir !== undefined) {
    await mkdir(options.dataDir, { recursive: true });
    lock = await lockDataDir(options.dataDir);
    try {
      db = await PGlite.create({ dataDir: options.dataDir, parsers: PARSERS });
    } catch (err) {
      await lock.release();
      throw err;
    }
  } else {
    db = await createInMemory();
  }
  if (schema) {
    // One connection, so a session-level search_path holds for everything that follows.
    try {
      await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
    } catch (err) {
      await db.close().catch(() => undefined);
      await lock?.release();
      throw err;
    }
  }

  const base = executorOf(db);
  return {
    engine: "pglite",
    query: base.query,
    exec: base.exec,
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(executorOf(tx)));
    },
    async close(): Promise<void> {
      try {
        if (!db.closed) await db.close();
      } finally {
        await lock?.release();
      }
    },
  };
}
