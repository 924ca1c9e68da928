import { FailedPrecondition } from "../../errors";
import type { SettingsRecordNote, SettingsStore, SurfaceSettingsRecord } from "../ports";
import type { SqlClient } from "./sql-client";
import { bigintText, checkedSeq, timeColumn } from "./sql-values";

/** A `surface_settings` row as both drivers return it. */
interface SettingsRow {
  id: string;
  surface: string;
  version: number;
  settings: Record<string, unknown>;
  created_at: Date;
  reason: string;
  author: string;
  forced: boolean;
}

function rowToSettings(row: SettingsRow): SurfaceSettingsRecord {
  return {
    id: bigintText(row.id),
    surface: row.surface,
    version: Number(row.version),
    settings: row.settings,
    createdAtMs: timeColumn(row.created_at),
    reason: row.reason,
    author: row.author,
    forced: row.forced,
  };
}

const COLUMNS = "id, surface, version, settings, created_at, reason, author, forced";
/** First half of the advisory lock key that makes settings appends commit in id order (the second: the schema). */
const SETTINGS_LOCK_CLASS = 0x7265_6373; // "recs"

/** Surface settings records in Postgres/PGlite (`surface_settings`, migration 005). */
export class PostgresSettingsStore implements SettingsStore {
  constructor(private readonly sql: SqlClient) {}

  append(
    surface: string,
    settings: Record<string, unknown>,
    note: SettingsRecordNote,
    expectedVersion?: number,
  ): Promise<SurfaceSettingsRecord> {
    return this.sql.transaction(async (tx) => {
      // Appends one at a time: ids then commit in order, and the version read below stays the newest.
      await tx.query("SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))", [
        SETTINGS_LOCK_CLASS,
      ]);
      const { rows: newest } = await tx.query<{ version: number | null }>(
        "SELECT max(version) AS version FROM surface_settings WHERE surface = $1",
        [surface],
      );
      const current = Number(newest[0]?.version ?? 0);
      if (expectedVersion !== undefined && current !== expectedVersion)
        throw new FailedPrecondition(
          `surface "${surface}" is at settings version ${current}, not ${expectedVersion}: someone changed ` +
            "it meanwhile; look at `recs settings` and run the command again",
        );
      const { rows } = await tx.query<SettingsRow>(
        `INSERT INTO surface_settings (surface, version, settings, reason, author, forced)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6) RETURNING ${COLUMNS}`,
        [surface, current + 1, JSON.stringify(settings), note.reason, note.author, note.forced],
      );
      return rowToSettings(rows[0]!);
    });
  }

  async since(afterId: string, limit: number): Promise<SurfaceSettingsRecord[]> {
    const { rows } = await this.sql.query<SettingsRow>(
      `SELECT ${COLUMNS} FROM surface_settings WHERE id > $1::bigint ORDER BY id LIMIT $2`,
      [checkedSeq(afterId, "afterId"), Math.max(0, Math.floor(limit))],
    );
    return rows.map(rowToSettings);
  }

  async history(surface: string): Promise<SurfaceSettingsRecord[]> {
    const { rows } = await this.sql.query<SettingsRow>(
      `SELECT ${COLUMNS} FROM surface_settings WHERE surface = $1 ORDER BY version DESC`,
      [surface],
    );
    return rows.map(rowToSettings);
  }
}
