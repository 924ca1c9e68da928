import type { FeedbackEntry } from "../ports";
import { EVENT_ROW_COLUMNS, EVENT_ROWS_SELECT, eventRowsJson, eventRowsRecordType, feedbackInsert } from "./event-rows";
import type { SqlExecutor } from "./sql-client";
import { float4ArrayLiteral } from "./sql-values";

/**
 * Logs a batch of feedback and writes the users of the accepted events in ONE statement (data-modifying
 * CTEs are atomic as a statement), so group commit costs one round trip instead of BEGIN, two writes
 * and COMMIT; the batch travels as one JSON parameter (see `eventRowsJson`). Of equal event ids the
 * first in the batch wins, only accepted events count toward interaction_count, and a user's embedding
 * becomes the last non-null one among their accepted events. Returns the event ids inserted now.
 */
export async function insertFeedbackWithUsers(sql: SqlExecutor, entries: readonly FeedbackEntry[]): Promise<Set<string>> {
  const rows = entries.map((entry) => feedbackInsert(entry.record));
  const json = eventRowsJson(rows, (i) => {
    const embedding = entries[i]!.userEmbedding;
    return { user_embedding: embedding === null ? null : float4ArrayLiteral(embedding) };
  });
  const { rows: inserted } = await sql.query<{ event_id: string }>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${eventRowsRecordType("user_embedding text")})
     ),
     inserted AS (
       INSERT INTO events (${EVENT_ROW_COLUMNS})
       SELECT ${EVENT_ROWS_SELECT} FROM input r ORDER BY r.ord
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id
     ),
     accepted AS (
       SELECT DISTINCT ON (input.event_id) input.event_id, input.user_id, input.user_embedding, input.ord
       FROM input JOIN inserted USING (event_id)
       ORDER BY input.event_id, input.ord
     ),
     per_user AS (
       SELECT user_id, count(*) AS interactions,
              ((array_agg(user_embedding ORDER BY ord DESC) FILTER (WHERE user_embedding IS NOT NULL))[1])::real[] AS embedding
       FROM accepted GROUP BY user_id
     ),
     users_written AS (
       INSERT INTO users (user_id, embedding, interaction_count)
       SELECT user_id, embedding, interactions FROM per_user ORDER BY user_id
       ON CONFLICT (user_id) DO UPDATE SET
         interaction_count = users.interaction_count + EXCLUDED.interaction_count,
         embedding = COALESCE(EXCLUDED.embedding, users.embedding),
         updated_at = now()
       RETURNING 1
     )
     SELECT event_id FROM inserted`,
    [json],
    "recs_feedback_with_users",
  );
  return new Set(inserted.map((row) => row.event_id));
}
