import type { ModelSnapshot, SnapshotStore } from "../ports";
import type { SqlClient } from "./sql-client";
import { bigintText, bytesColumn, bytesParam, checkedSeq, timeColumn, timeParam } from "./sql-values";

/** A `model_snapshots` row as both drivers return it. */
export interface SnapshotRow {
  surface: string;
  model_version: string;
  event_seq: string;
  created_at: Date;
  data: Uint8Array;
}

export function rowToSnapshot(row: SnapshotRow): ModelSnapshot {
  return {
    surface: row.surface,
    modelVersion: row.model_version,
    eventSeq: bigintText(row.event_seq),
    createdAtMs: timeColumn(row.created_at),
    data: bytesColumn(row.data),
  };
}

/** Snapshots kept per surface by default: the newest, and a couple to fall back on if it cannot be decoded. */
export const SNAPSHOTS_KEPT = 3;

const COLUMNS = "surface, model_version, event_seq, created_at, data";

/** Model snapshots in Postgres/PGlite; "latest" is the newest saved, by insertion order, per surface. */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(
    private readonly sql: SqlClient,
    /** Snapshots kept per surface. */
    private readonly kept = SNAPSHOTS_KEPT,
  ) {}

  async save(snapshots: ModelSnapshot | readonly ModelSnapshot[]): Promise<void> {
    const all: readonly ModelSnapshot[] = Array.isArray(snapshots) ? snapshots : [snapshots as ModelSnapshot];
    if (all.length === 0) return;
    await this.sql.transaction(async (tx) => {
      for (const snapshot of all) {
        await tx.query(
          `INSERT INTO model_snapshots (${COLUMNS}) VALUES ($1, $2, $3::bigint, $4::timestamptz, $5::bytea)`,
          [
            snapshot.surface,
            snapshot.modelVersion,
            checkedSeq(snapshot.eventSeq, "snapshot eventSeq"),
            timeParam(snapshot.createdAtMs),
            bytesParam(snapshot.data),
          ],
        );
        await tx.query(
          "DELETE FROM model_snapshots WHERE surface = $1 AND id NOT IN " +
            `(SELECT id FROM model_snapshots WHERE surface = $1 ORDER BY id DESC LIMIT ${this.kept})`,
          [snapshot.surface],
        );
      }
    });
  }

  async latest(surface = "default"): Promise<ModelSnapshot | null> {
    const { rows } = await this.sql.query<SnapshotRow>(
      `SELECT ${COLUMNS} FROM model_snapshots WHERE surface = $1 ORDER BY id DESC LIMIT 1`,
      [surface],
    );
    const row = rows[0];
    return row ? rowToSnapshot(row) : null;
  }

  async versions(surface: string): Promise<Array<Omit<ModelSnapshot, "data">>> {
    const { rows } = await this.sql.query<SnapshotRow>(
      `SELECT surface, model_version, event_seq, created_at, ''::bytea AS data FROM model_snapshots
       WHERE surface = $1 ORDER BY id DESC`,
      [surface],
    );
    return rows.map((row) => {
      const { data: _data, ...info } = rowToSnapshot(row);
      return info;
    });
  }

  async latestPerSurface(): Promise<ModelSnapshot[]> {
    const { rows } = await this.sql.query<SnapshotRow>(
      `SELECT DISTINCT ON (surface) ${COLUMNS} FROM model_snapshots ORDER BY surface, id DESC`,
    );
    return rows.map(rowToSnapshot);
  }
}
