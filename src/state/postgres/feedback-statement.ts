import type { FeedbackEntry } from "../ports";
import { feedbackInsert, insertParams, INSERT_COLUMNS } from "./event-rows";
import type { SqlExecutor } from "./sql-client";
import { valuesList, vectorParam } from "./sql-values";

const COLUMNS = INSERT_COLUMNS.map(([name]) => name);
const CASTS = [...INSERT_COLUMNS.map(([, cast]) => cast), "integer", "real[]"];

/**
 * Logs a batch of feedback and writes the users of the accepted events in ONE statement (data-modifying
 * CTEs are atomic as a statement), so group commit costs one round trip instead of BEGIN, two writes
 * and COMMIT. Same semantics as the transaction it replaces: of equal event ids the first in the batch
 * wins, only accepted events count toward interaction_count, and a user's embedding becomes the last
 * non-null one among their accepted events. Returns the event ids inserted now.
 */
export async function insertFeedbackWithUsers(sql: SqlExecutor, entries: readonly FeedbackEntry[]): Promise<Set<string>> {
  const params: unknown[] = [];
  entries.forEach((entry, ord) => {
    params.push(...insertParams(feedbackInsert(entry.record)), ord, entry.userEmbedding === null ? null : vectorParam(entry.userEmbedding));
  });
  const { rows } = await sql.query<{ event_id: string }>(
    `WITH input (${COLUMNS.join(", ")}, ord, user_embedding) AS (VALUES ${valuesList(entries.length, CASTS)}),
     inserted AS (
       INSERT INTO events (${COLUMNS.join(", ")})
       SELECT ${COLUMNS.join(", ")} FROM input ORDER BY ord
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
              (SELECT a.user_embedding FROM accepted a
               WHERE a.user_id = accepted.user_id AND a.user_embedding IS NOT NULL
               ORDER BY a.ord DESC LIMIT 1) AS embedding
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
    params,
  );
  return new Set(rows.map((row) => row.event_id));
}
