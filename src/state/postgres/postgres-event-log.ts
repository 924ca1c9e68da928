import { randomUUID } from "node:crypto";
import type { ModelUpdatePage } from "../ports";
import type {
  DefaultRewardRecord,
  EventLog,
  FeedbackAppend,
  FeedbackEntry,
  FeedbackOutcome,
  ImpressionRecord,
  LoggedDecision,
  LoggedModelUpdate,
  PositiveFeedback,
  UserForgotten,
  UserProfile,
} from "../ports";
import { markConflicts } from "./feedback-identity";
import { forgetUserRows } from "./forget-user-statements";
import { insertFeedbackWithUsers } from "./feedback-statement";
import { RejectedData } from "../rejected-data";
import { applyUserWrites, rowToUser, type UserRow, type UserWrite } from "./postgres-user-repository";
import { sqlState, type SqlClient, type SqlExecutor } from "./sql-client";
import { bigintText, checkedSeq, timeParam, type OnCorrupt } from "./sql-values";
import {
  defaultRewardEventId,
  defaultRewardInsert,
  feedbackInsert,
  impressionInsert,
  insertEvents,
  rowToLoggedDecision,
  rowToModelUpdate,
  MODEL_UPDATE_COLUMNS,
  ROWS_PER_STATEMENT,
  type LoggedDecisionRow,
  type ModelUpdateRow,
} from "./event-rows";

const DAY_MS = 86_400_000;
/** deadlock_detected: Postgres aborted one of two transactions waiting on each other. */
const DEADLOCK = "40P01";
const ATTEMPTS = 3;
/** Rows per retention DELETE: short statements, so retention never holds locks or WAL for long. */
const RETENTION_BATCH = 5_000;
/**
 * First half of the advisory lock key that orders model-update writes; the second is the schema, so
 * schemas (tests) do not wait on each other.
 */
export const MODEL_UPDATE_LOCK_CLASS = 0x7265_6375; // "recu"

/**
 * The error as `RejectedData` when it was the rows' data that failed the write: a value no row can carry
 * (a time past what a Date holds fails while the parameters are built), or Postgres refusing a value
 * (SQLSTATE class 22, data exception; 23, integrity constraint). Null for anything else (the store).
 */
function rejectedData(err: unknown): RejectedData | null {
  if (err instanceof RangeError)
    return new RejectedData(`the event log cannot store a value of this event (${err.message})`, { cause: err });
  const state = sqlState(err);
  if (state !== undefined && (state.startsWith("22") || state.startsWith("23"))) {
    const detail =
      typeof err === "object" && err !== null && "detail" in err && typeof err.detail === "string"
        ? `: ${err.detail}`
        : "";
    return new RejectedData(`the event log refused a value of this event (${(err as Error).message}${detail})`, {
      cause: err,
    });
  }
  return null;
}

/**
 * The event log in Postgres/PGlite: one `events` table, idempotent by its unique event_id.
 *
 * Model updates in commit order: `seq` comes from a sequence when a row is inserted, so two replicas'
 * transactions can commit out of seq order, and a reader that took the newest seq as its position
 * would skip an update still in flight below it. Every write that carries model updates therefore
 * takes one transaction-scoped advisory lock before inserting, so those writes commit one at a time,
 * each with seqs above every update committed before. (Impressions carry none and take no lock.)
 */
export class PostgresEventLog implements EventLog {
  readonly writerId = randomUUID();

  constructor(
    private readonly sql: SqlClient,
    private readonly onCorrupt: OnCorrupt,
    /** Width of the user embeddings that feedback writes return. */
    private readonly embeddingDim: number,
  ) {}

  /**
   * Runs an append transaction, again if Postgres broke a deadlock by aborting it. Two batches holding
   * the same event ids in opposite orders (concurrent client retries) can deadlock on the unique index;
   * the aborted one was rolled back whole, so running it again is safe and then finds the other's rows.
   */
  /**
   * Runs a write atomically: a batch that fits one statement runs as that statement alone (atomic by
   * itself, one round trip), a larger one in a transaction.
   */
  private appending<T>(fn: (tx: SqlExecutor) => Promise<T>, rows = Number.POSITIVE_INFINITY): Promise<T> {
    return this.retryingDeadlocks(() => (rows <= ROWS_PER_STATEMENT ? fn(this.sql) : this.sql.transaction(fn)));
  }

  /** Runs a write (a transaction or one atomic statement) again when Postgres aborted it as a deadlock victim. */
  private async retryingDeadlocks<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        if (sqlState(err) !== DEADLOCK || attempt >= ATTEMPTS) throw err;
      }
    }
  }

  async appendImpressions(records: ImpressionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.appending((tx) => insertEvents(tx, records.map(impressionInsert), this.writerId), records.length);
  }

  async appendFeedback(entries: FeedbackEntry[]): Promise<FeedbackAppend> {
    if (entries.length === 0) return { outcomes: [], users: [] };
    try {
      return await this.appendFeedbackRows(entries);
    } catch (err) {
      throw rejectedData(err) ?? err;
    }
  }

  private async appendFeedbackRows(entries: FeedbackEntry[]): Promise<FeedbackAppend> {
    const updating = entries.some((entry) => entry.record.modelUpdate !== null);
    if (entries.length <= ROWS_PER_STATEMENT) {
      const { inserted, users } = await this.retryingDeadlocks(() =>
        updating
          ? this.sql.transaction(async (tx) => {
              await this.orderUpdates(tx);
              return insertFeedbackWithUsers(tx, entries, this.writerId);
            })
          : insertFeedbackWithUsers(this.sql, entries, this.writerId),
      );
      const seen = new Set<string>();
      const outcomes = entries.map(({ record }): FeedbackOutcome => {
        const first = inserted.has(record.eventId) && !seen.has(record.eventId);
        seen.add(record.eventId);
        return first ? "accepted" : "duplicate";
      });
      return { outcomes: await markConflicts(this.sql, entries, outcomes), users: this.profiles(users) };
    }
    return this.appending(async (tx) => {
      if (updating) await this.orderUpdates(tx);
      const inserted = await insertEvents(
        tx,
        entries.map((entry) => feedbackInsert(entry.record)),
        this.writerId,
      );
      const outcomes: FeedbackOutcome[] = [];
      const counted = new Set<string>();
      const writes = new Map<string, UserWrite>();
      for (const { record, userEmbedding } of entries) {
        // A repeated id within the batch is inserted once: its first occurrence is the accepted one.
        if (!inserted.has(record.eventId) || counted.has(record.eventId)) {
          outcomes.push("duplicate");
          continue;
        }
        counted.add(record.eventId);
        outcomes.push("accepted");
        const write = writes.get(record.userId) ?? { userId: record.userId, interactions: 0, embedding: null };
        write.interactions += 1;
        if (userEmbedding !== null) write.embedding = userEmbedding;
        writes.set(record.userId, write);
      }
      const users = await applyUserWrites(tx, [...writes.values()]);
      return { outcomes: await markConflicts(tx, entries, outcomes), users: this.profiles(users) };
    });
  }

  /**
   * Waits for the model-update lock (held to commit) and tags this transaction's rows with the writer.
   * One round trip; it must come before the transaction takes any seq.
   */
  private async orderUpdates(tx: SqlExecutor): Promise<void> {
    await tx.query(
      "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), ''))), set_config('recs.writer', $2, true)",
      [MODEL_UPDATE_LOCK_CLASS, this.writerId],
    );
  }

  private profiles(rows: readonly UserRow[]): UserProfile[] {
    return rows.map((row) => rowToUser(row, this.embeddingDim, this.onCorrupt));
  }

  async appendDefaultRewards(records: DefaultRewardRecord[]): Promise<DefaultRewardRecord[]> {
    if (records.length === 0) return [];
    const inserted = await this.retryingDeadlocks(() =>
      this.sql.transaction(async (tx) => {
        await this.orderUpdates(tx);
        return insertEvents(tx, records.map(defaultRewardInsert), this.writerId);
      }),
    );
    const logged: DefaultRewardRecord[] = [];
    for (const record of records) {
      const eventId = defaultRewardEventId(record.recommendationId, record.update.itemId);
      if (inserted.delete(eventId)) logged.push(record);
    }
    return logged;
  }

  async modelUpdatesSince(afterSeq: string, limit: number): Promise<LoggedModelUpdate[]> {
    const { rows } = await this.sql.query<ModelUpdateRow>(
      `SELECT ${MODEL_UPDATE_COLUMNS}
       FROM events WHERE update_shared IS NOT NULL AND seq > $1::bigint
       ORDER BY seq LIMIT $2`,
      [checkedSeq(afterSeq, "afterSeq"), Math.max(0, Math.floor(limit))],
    );
    const updates: LoggedModelUpdate[] = [];
    for (const row of rows) {
      const update = rowToModelUpdate(row);
      if (update) updates.push(update);
      else
        this.onCorrupt(
          "model_update",
          `event seq ${bigintText(row.seq)}: model update vectors are not whole float32 values; skipped`,
        );
    }
    return updates;
  }

  async othersModelUpdatesSince(afterSeq: string, limit: number, writer: string): Promise<ModelUpdatePage> {
    // Own rows stay in the database: the page's extent comes back as one trailing row (scanned set).
    const { rows } = await this.sql.query<ModelUpdateRow & { scanned: string | null }>(
      `WITH page AS (
         SELECT ${MODEL_UPDATE_COLUMNS} FROM events
         WHERE update_shared IS NOT NULL AND seq > $1::bigint ORDER BY seq LIMIT $2)
       SELECT ${MODEL_UPDATE_COLUMNS}, NULL::bigint AS scanned
       FROM page WHERE writer IS DISTINCT FROM $3
       UNION ALL
       SELECT max(seq), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, count(*) FROM page
       ORDER BY scanned NULLS FIRST, seq`,
      [checkedSeq(afterSeq, "afterSeq"), Math.max(0, Math.floor(limit)), writer],
      "recs_others_model_updates",
    );
    const trailer = rows.pop();
    const updates: LoggedModelUpdate[] = [];
    for (const row of rows) {
      const update = rowToModelUpdate(row);
      if (update) updates.push(update);
      else
        this.onCorrupt(
          "model_update",
          `event seq ${bigintText(row.seq)}: model update vectors are not whole float32 values; skipped`,
        );
    }
    const scanned = Number(trailer?.scanned ?? 0);
    return { updates, scanned, lastSeq: scanned > 0 && trailer?.seq != null ? bigintText(trailer.seq) : null };
  }

  /** One transaction under the model-update lock (`forgetUserRows`), so the removals take positions in commit order. */
  async forgetUser(userId: string): Promise<UserForgotten> {
    return this.retryingDeadlocks(() =>
      this.sql.transaction(async (tx) => {
        await this.orderUpdates(tx);
        return forgetUserRows(tx, userId, this.onCorrupt);
      }),
    );
  }

  async rollbackSurface(surface: string, afterSeq: string): Promise<number> {
    return this.retryingDeadlocks(() =>
      this.sql.transaction(async (tx) => {
        await this.orderUpdates(tx);
        // The statement's reads see the rows before its UPDATE: the vectors come from them.
        const { rowCount } = await tx.query(
          `WITH taken AS (
             UPDATE events SET rolled_back = true
             WHERE coalesce(surface, 'default') = $1 AND seq > $2::bigint AND kind IN ('feedback', 'default_reward')
               AND update_shared IS NOT NULL AND NOT rolled_back
             RETURNING seq)
           INSERT INTO events (event_id, kind, occurred_at, user_id, update_item_id, update_reward, update_shared,
             update_arm, removes_seq, surface)
           SELECT 'rollback:' || e.seq, 'forget', now(), '', e.update_item_id, e.update_reward, e.update_shared,
             e.update_arm, e.seq, e.surface
           FROM events e JOIN taken t ON t.seq = e.seq ORDER BY e.seq`,
          [surface, checkedSeq(afterSeq, "afterSeq")],
        );
        return rowCount;
      }),
    );
  }

  ownPositiveFeedback(itemIds: readonly string[], limit: number): Promise<Map<string, PositiveFeedback[]>> {
    return this.positiveFeedback(itemIds, limit, this.writerId);
  }

  loggedPositiveFeedback(itemIds: readonly string[], limit: number): Promise<Map<string, PositiveFeedback[]>> {
    return this.positiveFeedback(itemIds, limit, null);
  }

  /** Per item, the last `limit` positive feedback events in log order: of one writer, or (null) of all. */
  private async positiveFeedback(
    itemIds: readonly string[],
    limit: number,
    writer: string | null,
  ): Promise<Map<string, PositiveFeedback[]>> {
    const out = new Map<string, PositiveFeedback[]>(itemIds.map((id) => [id, []]));
    if (itemIds.length === 0) return out;
    // Two statements rather than "writer = $2 OR $2 IS NULL", so each gets the plan for its own filter.
    const byWriter = writer === null ? "" : "AND e.writer = $3";
    const { rows } = await this.sql.query<{ item_id: string; reward: number; organic: boolean }>(
      `SELECT p.item_id, p.reward, p.organic FROM unnest($1::text[]) AS i(item_id)
       CROSS JOIN LATERAL (
         SELECT e.item_id, e.seq, e.reward, e.recommendation_id IS NULL AS organic FROM events e
         WHERE e.item_id = i.item_id AND e.kind = 'feedback' AND e.reward > 0 ${byWriter}
         ORDER BY e.seq DESC LIMIT $2) p
       ORDER BY p.item_id, p.seq`,
      writer === null
        ? [[...itemIds], Math.max(0, Math.floor(limit))]
        : [[...itemIds], Math.max(0, Math.floor(limit)), writer],
    );
    for (const row of rows) out.get(row.item_id)?.push({ reward: Number(row.reward), organic: row.organic });
    return out;
  }

  async othersModelUpdateCount(afterSeq: string, writer: string): Promise<number> {
    const { rows } = await this.sql.query<{ n: string }>(
      "SELECT count(*) AS n FROM events WHERE update_shared IS NOT NULL AND seq > $1::bigint " +
        "AND writer IS DISTINCT FROM $2",
      [checkedSeq(afterSeq, "afterSeq"), writer],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async latestSeq(): Promise<string> {
    const { rows } = await this.sql.query<{ seq: string }>("SELECT coalesce(max(seq), 0) AS seq FROM events");
    return bigintText(rows[0]?.seq ?? "0");
  }

  /**
   * Deletes events whose whole UTC day lies before `nowMs - retentionDays`, in batches through the
   * occurred_at index (each batch its own short statement), until none are left.
   */
  async enforceRetention(nowMs: number, retentionDays: number): Promise<number> {
    const cutoff = Math.floor((nowMs - retentionDays * DAY_MS) / DAY_MS) * DAY_MS;
    let removed = 0;
    for (;;) {
      const { rowCount } = await this.sql.query(
        `DELETE FROM events WHERE seq IN (
           SELECT seq FROM events WHERE occurred_at < $1::timestamptz LIMIT ${RETENTION_BATCH})`,
        [timeParam(cutoff)],
      );
      removed += rowCount;
      if (rowCount < RETENTION_BATCH) return removed;
    }
  }

  /**
   * Each shown item of each impression (oldest first), with the sum of the feedback rewards it got; an
   * item without feedback has its default reward, or 0 while it has neither. The serving state travels
   * once per impression, on its position-0 row (the only one the estimators weigh).
   */
  async loggedDecisions(
    limit: number,
    afterMs?: number,
    afterSeq?: string,
    surface = "default",
  ): Promise<LoggedDecision[]> {
    const { rows } = await this.sql.query<LoggedDecisionRow>(
      `SELECT i.occurred_at, i.user_id, i.session_id, i.context, s."itemId" AS item_id, s.position, s.propensity,
         i.seq, i.model_version, i.surface,
         CASE WHEN s.position = 0 THEN i.candidate_ids END AS candidate_ids,
         CASE WHEN s.position = 0 THEN i.session_vector END AS session_vector,
         CASE WHEN s.position = 0 THEN i.long_term_vector END AS long_term_vector,
         CASE WHEN s.position = 0 THEN i.candidate_signals END AS candidate_signals,
         CASE WHEN s.position = 0 THEN i.rules END AS rules,
         coalesce(
           (SELECT sum(f.reward) FROM events f
             WHERE f.kind = 'feedback' AND f.recommendation_id = i.recommendation_id AND f.item_id = s."itemId"),
           (SELECT d.reward FROM events d
             WHERE d.kind = 'default_reward' AND d.recommendation_id = i.recommendation_id AND d.item_id = s."itemId"
             LIMIT 1),
           0) AS reward
       FROM events i
       CROSS JOIN LATERAL jsonb_to_recordset(i.shown_items) AS s("itemId" text, position integer, propensity float8)
       WHERE i.kind = 'impression' AND coalesce(i.surface, 'default') = $4 AND ($1::timestamptz IS NULL OR
         CASE WHEN $3::bigint IS NULL THEN i.occurred_at > $1::timestamptz
           ELSE (i.occurred_at, i.seq) > ($1::timestamptz, $3::bigint) END)
       ORDER BY i.occurred_at, i.seq, s.position
       LIMIT $2`,
      [
        afterMs === undefined ? null : timeParam(afterMs),
        Math.max(0, Math.floor(limit)),
        afterSeq === undefined ? null : checkedSeq(afterSeq, "afterSeq"),
        surface,
      ],
    );
    return rows.map(rowToLoggedDecision);
  }
}
