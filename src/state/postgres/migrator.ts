import { readdir, readFile } from "node:fs/promises";
import type { Logger } from "../../log";
import type { SqlClient } from "./sql-client";

/** One numbered migration file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

interface LedgerRow {
  version: number;
}

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
/** First half of the advisory lock key; the second is the schema, so schemas migrate independently. */
const MIGRATION_LOCK_CLASS = 0x7265_6373; // "recs"

/** The migration files, by version. Names are `NNN_description.sql`; numbers are never reused. */
export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3,}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    if (migrations.some((m) => m.version === version))
      throw new Error(`two migrations numbered ${version} in ${MIGRATIONS_DIR.pathname}`);
    migrations.push({ version, name: file, sql: await readFile(new URL(file, MIGRATIONS_DIR), "utf8") });
  }
  return migrations;
}

/**
 * Applies the pending migrations in one transaction under a transaction-scoped advisory lock: replicas
 * starting together queue on the lock, and each one after the first finds the ledger complete and does
 * nothing. A failing migration rolls back entirely. Returns the names applied now.
 */
export async function runMigrations(client: SqlClient, logger: Logger): Promise<string[]> {
  const migrations = await loadMigrations();
  const applied = await client.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))", [
      MIGRATION_LOCK_CLASS,
    ]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<LedgerRow>("SELECT version FROM schema_migrations")).rows.map((r) => Number(r.version)),
    );
    const newest = Math.max(0, ...done);
    const known = migrations.at(-1)?.version ?? 0;
    if (newest > known) {
      logger.warn({ newest, known }, "database schema is newer than this build; running without migrating");
    }
    const appliedNow: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      appliedNow.push(migration.name);
    }
    return appliedNow;
  });
  if (applied.length > 0) logger.info({ applied }, "database migrated");
  return applied;
}
