import type { ModelSnapshot, SnapshotStore } from "../ports";
import type { SqlClient } from "./sql-client";
import { bigintText, bytesColumn, bytesParam, checkedSeq, timeColumn, timeParam } from "./sql-values";

/** A `model_snapshots` row as both drivers return it. */
export interface SnapshotRow {
  model_version: string;
  event_seq: string;
  created_at: Date;
  data: Uint8Array;
}

export function rowToSnapshot(row: SnapshotRow): ModelSnapshot {
  return {
    modelVersion: row.model_version,
    eventSeq: bigintText(row.event_seq),
    createdAtMs: timeColumn(row.created_at),
    data: bytesColumn(row.data),
  };
}

/** Snapshots kept: the newest, and a couple to fall back on if the newest cannot be decoded. */
export const SNAPSHOTS_KEPT = 3;

/** Model snapshots in Postgres/PGlite; "latest" is the newest saved, by insertion order. */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(private readonly sql: SqlClient) {}

  async save(snapshot: ModelSnapshot): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.query(
        "INSERT INTO model_snapshots (model_version, event_seq, created_at, data) " +
          "VALUES ($1, $2::bigint, $3::timestamptz, $4::bytea)",
        [
          snapshot.modelVersion,
          checkedSeq(snapshot.eventSeq, "snapshot eventSeq"),
          timeParam(snapshot.createdAtMs),
          bytesParam(snapshot.data),
        ],
      );
      await tx.query(
        `DELETE FROM model_snapshots WHERE id NOT IN ` +
          `(SELECT id FROM model_snapshots ORDER BY id DESC LIMIT ${SNAPSHOTS_KEPT})`,
      );
    });
  }

  async latest(): Promise<ModelSnapshot | null> {
    const { rows } = await this.sql.query<SnapshotRow>(
      "SELECT model_version, event_seq, created_at, data FROM model_snapshots ORDER BY id DESC LIMIT 1",
    );
    const row = rows[0];
    return row ? rowToSnapshot(row) : null;
  }
}
