/**
 * The narrow SQL surface the Postgres-side adapters use, so one adapter family serves both a real
 * Postgres (node-postgres pool) and embedded PGlite. Queries are parameterized; the only unparameterized
 * text is `exec`, which runs our own migration scripts.
 */

/** Rows and the number of rows a statement touched (inserted, updated, deleted or returned). */
export interface SqlResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** What a statement can run on: the client itself, or one open transaction. */
export interface SqlExecutor {
  /**
   * One statement with `$1..$n` parameters. int8 columns arrive as decimal strings on both drivers.
   * `prepareAs` names a statement whose text never changes, so Postgres parses and plans it once per
   * connection instead of on every call (PGlite ignores it).
   */
  query<Row extends object = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    prepareAs?: string,
  ): Promise<SqlResult<Row>>;
  /** A trusted multi-statement script without parameters (migrations only). */
  exec(script: string): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  /** Which engine is behind the client; the SQL is the same, only operational details differ. */
  readonly engine: "postgres" | "pglite";
  /**
   * Runs `fn` in one transaction on one connection: committed when `fn` resolves, rolled back when it
   * throws. Statements of concurrent transactions never interleave within one transaction.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A schema name safe to splice into SQL and into a `-c search_path=` startup option: identifiers cannot
 * be bound as parameters, so the name is restricted to lower-case letters, digits and underscores.
 */
export function checkedSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema "${schema}" must be 1..63 characters of a-z, 0-9 and _, starting with a letter or _`);
  }
  return schema;
}

/** SQLSTATEs of a concurrent `CREATE SCHEMA IF NOT EXISTS` losing the race; the schema exists either way. */
export const SCHEMA_RACE_CODES: ReadonlySet<string> = new Set(["23505", "42P06"]);

/** The SQLSTATE of a driver error, when it carries one. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") return err.code;
  return undefined;
}
