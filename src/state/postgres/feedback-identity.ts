import type { FeedbackEntry, FeedbackOutcome, FeedbackRecord } from "../ports";
import type { SqlExecutor } from "./sql-client";

/** What the log holds under an event id, as far as telling one feedback event from another goes. */
interface LoggedIdentityRow {
  event_id: string;
  kind: string;
  user_id: string;
  session_id: string | null;
  item_id: string | null;
  feedback_type: string | null;
  recommendation_id: string | null;
  reward: number | string | null;
}

/**
 * Whether the logged row is this event again: the same user, session, item, type, recommendation and
 * (resolved) reward. The time is not compared: occurred_at_ms 0 means "now", so a retry of the same
 * event carries another time.
 */
function sameEvent(row: LoggedIdentityRow, record: FeedbackRecord): boolean {
  return (
    row.kind === "feedback" &&
    row.user_id === record.userId &&
    row.session_id === record.sessionId &&
    row.item_id === record.itemId &&
    row.feedback_type === record.type &&
    row.recommendation_id === record.recommendationId &&
    row.reward !== null &&
    Number(row.reward) === record.reward
  );
}

/**
 * Turns each "duplicate" whose id the log holds for a different event into "conflict", by reading the
 * logged rows of those ids (one statement, only when there are duplicates). Runs after the insert, so a
 * row another writer committed meanwhile (the insert waited on it, then skipped) is visible; in a
 * transaction it sees the transaction's own rows, so an id repeated within a batch is compared with its
 * first occurrence.
 */
export async function markConflicts(
  sql: SqlExecutor,
  entries: readonly FeedbackEntry[],
  outcomes: FeedbackOutcome[],
): Promise<FeedbackOutcome[]> {
  const ids = [...new Set(entries.filter((_, i) => outcomes[i] === "duplicate").map((entry) => entry.record.eventId))];
  if (ids.length === 0) return outcomes;
  const { rows } = await sql.query<LoggedIdentityRow>(
    `SELECT event_id, kind, user_id, session_id, item_id, feedback_type, recommendation_id, reward
     FROM events WHERE event_id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(ids)],
    "recs_feedback_identity",
  );
  const logged = new Map(rows.map((row) => [row.event_id, row]));
  return outcomes.map((outcome, i) => {
    if (outcome !== "duplicate") return outcome;
    const row = logged.get(entries[i]!.record.eventId);
    // Gone since the insert (a retention sweep in between): nothing to tell it from, so a duplicate.
    return row === undefined || sameEvent(row, entries[i]!.record) ? "duplicate" : "conflict";
  });
}
