import type { FeedbackEntry } from "../ports";
import { EVENT_ROW_COLUMNS, eventRowsParams, eventRowsRecordType, eventRowsSelect, feedbackInsert } from "./event-rows";
import { USER_COLUMNS, type UserRow } from "./postgres-user-repository";
import type { SqlExecutor } from "./sql-client";
import { bytesParam, float4ArrayParam } from "./sql-values";

/**
 * Logs a batch of feedback and writes the users of the accepted events in ONE statement (data-modifying
 * CTEs are atomic as a statement), so group commit costs one round trip instead of BEGIN, two writes
 * and COMMIT. The batch travels as three parameters whatever its size: the rows as JSON, their update
 * vectors as one bytea (see `eventRowsParams`), and the users' new embeddings as one binary real[] that
 * each row addresses by offset, so no float is formatted or parsed as text and only the embedding a
 * user keeps is carried through the statement. Of equal event ids the first in the batch wins, only
 * accepted events count toward interaction_count, and a user's embedding becomes the last non-null one
 * among their accepted events. Returns the event ids inserted now and the users' rows as committed.
 */
export async function insertFeedbackWithUsers(
  sql: SqlExecutor,
  entries: readonly FeedbackEntry[],
  writer: string,
): Promise<{ inserted: Set<string>; users: UserRow[] }> {
  const rows = entries.map((entry) => feedbackInsert(entry.record));
  const embeddings: Float32Array[] = [];
  let embeddingAt = 0;
  const { json, vectors } = eventRowsParams(rows, writer, (i) => {
    const embedding = entries[i]!.userEmbedding;
    if (embedding === null) return {};
    embeddings.push(embedding);
    embeddingAt += embedding.length;
    return { embedding_at: embeddingAt - embedding.length, embedding_len: embedding.length };
  });
  const { rows: written } = await sql.query<{ event_id: string | null } & (UserRow | { user_id: null })>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS ` +
      `r(${eventRowsRecordType("embedding_at integer, embedding_len integer")})
     ),
     inserted AS (
       INSERT INTO events (${EVENT_ROW_COLUMNS})
       SELECT ${eventRowsSelect("$2::bytea")} FROM input r ORDER BY r.ord
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id
     ),
     accepted AS (
       SELECT DISTINCT ON (input.event_id) input.event_id, input.user_id, input.embedding_at, ` +
      `input.embedding_len, input.ord
       FROM input JOIN inserted USING (event_id)
       ORDER BY input.event_id, input.ord
     ),
     per_user AS (
       SELECT user_id, count(*) AS interactions,
              (array_agg(embedding_at ORDER BY ord DESC) FILTER (WHERE embedding_at IS NOT NULL))[1] AS embedding_at,
              (array_agg(embedding_len ORDER BY ord DESC) FILTER (WHERE embedding_at IS NOT NULL))[1] AS embedding_len
       FROM accepted GROUP BY user_id
     ),
     users_written AS (
       INSERT INTO users (user_id, embedding, interaction_count)
       SELECT user_id, CASE WHEN embedding_at IS NULL THEN NULL ` +
      `ELSE ($3::real[])[embedding_at + 1 : embedding_at + embedding_len] END, interactions
       FROM per_user ORDER BY user_id
       ON CONFLICT (user_id) DO UPDATE SET
         interaction_count = users.interaction_count + EXCLUDED.interaction_count,
         embedding = COALESCE(EXCLUDED.embedding, users.embedding),
         updated_at = now()
       RETURNING ${USER_COLUMNS}
     )
     SELECT event_id, NULL::text AS user_id, NULL::real[] AS embedding, NULL::bigint AS interaction_count, ` +
      `NULL::timestamptz AS updated_at FROM inserted
     UNION ALL
     SELECT NULL, ${USER_COLUMNS} FROM users_written`,
    [json, bytesParam(vectors), float4ArrayParam(...embeddings)],
    "recs_feedback_with_users",
  );
  const inserted = new Set<string>();
  const users: UserRow[] = [];
  for (const row of written) {
    if (row.event_id !== null) inserted.add(row.event_id);
    else if (row.user_id !== null) users.push(row);
  }
  return { inserted, users };
}
