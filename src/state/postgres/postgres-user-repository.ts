import type { UserProfile, UserRepository } from "../ports";
import type { SqlExecutor } from "./sql-client";
import { bigintNumber, chunks, timeColumn, valuesList, vectorColumn, vectorParam, type OnCorrupt } from "./sql-values";

const ROWS_PER_STATEMENT = 1_000;

/** A `users` row as both drivers return it. */
export interface UserRow {
  user_id: string;
  embedding: number[] | null;
  interaction_count: string;
  updated_at: Date;
}

/** The `users` columns a `UserRow` holds, for SELECT and RETURNING lists. */
export const USER_COLUMNS = "user_id, embedding, interaction_count, updated_at";

/**
 * Maps a row to a profile. An embedding whose length is not `embeddingDim` (a dimension change, a bad
 * manual edit) reads as null so scoring never sees a vector of the wrong width; `onCorrupt` hears of it.
 */
export function rowToUser(row: UserRow, embeddingDim: number, onCorrupt: OnCorrupt): UserProfile {
  let embedding: Float32Array | null = null;
  if (row.embedding !== null) {
    if (row.embedding.length === embeddingDim) embedding = vectorColumn(row.embedding);
    else
      onCorrupt(
        "user_embedding",
        `user ${row.user_id}: stored embedding has ${row.embedding.length} values, expected ${embeddingDim}; ` +
          `read as none`,
      );
  }
  return {
    userId: row.user_id,
    embedding,
    interactionCount: bigintNumber(row.interaction_count),
    updatedAtMs: timeColumn(row.updated_at),
  };
}

/** What one transaction's accepted feedback does to one user. */
export interface UserWrite {
  userId: string;
  /** Accepted events of this user in the transaction. */
  interactions: number;
  /** The newest embedding of the batch, or null to keep the stored one. */
  embedding: Float32Array | null;
}

/**
 * Adds the interactions and stores the embeddings, one statement for all users, and returns the rows as
 * committed (each user's total includes other writers' increments). Callers lock users in
 * id order (sorted here) so two transactions touching the same users cannot deadlock. The increment is
 * done by the database, so concurrent writers from several replicas add up.
 */
export async function applyUserWrites(tx: SqlExecutor, writes: readonly UserWrite[]): Promise<UserRow[]> {
  if (writes.length === 0) return [];
  const sorted = [...writes].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const written: UserRow[] = [];
  for (const batch of chunks(sorted, ROWS_PER_STATEMENT)) {
    const params: unknown[] = [];
    for (const write of batch)
      params.push(write.userId, write.embedding === null ? null : vectorParam(write.embedding), write.interactions);
    const { rows } = await tx.query<UserRow>(
      `INSERT INTO users (user_id, embedding, interaction_count)
       VALUES ${valuesList(batch.length, ["text", "real[]", "bigint"])}
       ON CONFLICT (user_id) DO UPDATE SET
         interaction_count = users.interaction_count + EXCLUDED.interaction_count,
         embedding = COALESCE(EXCLUDED.embedding, users.embedding),
         updated_at = now()
       RETURNING ${USER_COLUMNS}`,
      params,
    );
    written.push(...rows);
  }
  return written;
}

/** Reads user profiles; writes arrive through the event log's feedback transaction. */
export class PostgresUserRepository implements UserRepository {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly embeddingDim: number,
    private readonly onCorrupt: OnCorrupt,
  ) {}

  async get(userId: string): Promise<UserProfile | null> {
    const { rows } = await this.sql.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE user_id = $1`,
      [userId],
      "recs_user_get",
    );
    const row = rows[0];
    return row ? rowToUser(row, this.embeddingDim, this.onCorrupt) : null;
  }
}
