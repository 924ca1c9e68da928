import type {
  DefaultRewardRecord,
  FeedbackRecord,
  ImpressionRecord,
  LoggedDecision,
  LoggedModelUpdate,
  ModelUpdate,
  ServingState,
} from "../ports";
import type { SqlExecutor } from "./sql-client";
import { writeFloat32LE } from "../../float32-bytes";
import { bigintText, bytesParam, bytesToVector, chunks, timeColumn } from "./sql-values";

/** The event_id of a recommendation's impression: one per recommendation, so a retried flush is a no-op. */
export const impressionEventId = (recommendationId: string): string => `imp:${recommendationId}`;
/** The event_id of a default reward: one per (recommendation, item), which makes the append idempotent. */
export const defaultRewardEventId = (recommendationId: string, itemId: string): string =>
  `default:${recommendationId}:${itemId}`;

/** One row to insert into `events`; fields a kind does not use are null. */
export interface EventInsert {
  eventId: string;
  kind: "impression" | "feedback" | "default_reward";
  occurredAtMs: number;
  userId: string;
  sessionId: string | null;
  itemId: string | null;
  feedbackType: string | null;
  recommendationId: string | null;
  reward: number | null;
  modelVersion: string | null;
  context: Record<string, string> | null;
  candidateCount: number | null;
  shownItems: ImpressionRecord["items"] | null;
  update: ModelUpdate | null;
  /** Impressions: the candidates and the state they were scored with (own-log evaluation). */
  serving?: ServingState;
  /** The surface of an impression or of a model update; null = "default" (as rows before migration 005). */
  surface: string | null;
}

/**
 * The `events` columns a logged row fills, with the type each has in a JSON row (jsonb columns are nested
 * JSON). The bytea columns (vectors) do not travel in the JSON: see `eventRowsParams`.
 */
const ROW_COLUMNS = [
  ["event_id", "text"],
  ["kind", "text"],
  ["occurred_at", "timestamptz"],
  ["user_id", "text"],
  ["session_id", "text"],
  ["item_id", "text"],
  ["feedback_type", "text"],
  ["recommendation_id", "text"],
  ["reward", "float8"],
  ["model_version", "text"],
  ["context", "jsonb"],
  ["candidate_count", "integer"],
  ["shown_items", "jsonb"],
  ["update_item_id", "text"],
  ["update_reward", "float8"],
  ["update_shared", "bytea"],
  ["update_arm", "bytea"],
  ["candidate_ids", "text[]"],
  ["session_vector", "bytea"],
  ["long_term_vector", "bytea"],
  ["candidate_signals", "bytea"],
  ["rules", "jsonb"],
  ["surface", "text"],
  // Set on every row (not only the model updates' own, as the column default does): a replica recounts
  // its popularity from its own feedback after a DeleteUser (`EventLog.ownPositiveFeedback`).
  ["writer", "text"],
] as const;

/**
 * Rows per statement: one JSON parameter carries them, so this bounds its size (~0.4 KiB a feedback row,
 * ~3 KiB an impression with 200 candidates), not a parameter count.
 */
export const ROWS_PER_STATEMENT = 2_000;

/** The column list of `events` that `eventRowsSelect` fills, in order. */
export const EVENT_ROW_COLUMNS = ROW_COLUMNS.map(([name]) => name).join(", ");

/**
 * `jsonb_to_recordset`'s column definitions for event rows as `eventRowsParams` writes them, plus `ord`
 * (the row's index in the batch) and any `extra` columns the caller adds to each row. A bytea column is
 * a byte range of the vectors parameter: `<name>_at` (0-based offset) and `<name>_bytes` (length).
 */
export function eventRowsRecordType(extra = ""): string {
  const columns = ROW_COLUMNS.map(([name, type]) =>
    type === "bytea" ? `${name}_at integer, ${name}_bytes integer` : `${name} ${type}`,
  );
  return [...columns, "ord integer", ...(extra ? [extra] : [])].join(", ");
}

/**
 * The select list turning a recordset of JSON rows (alias `r`) into `events` values, in
 * EVENT_ROW_COLUMNS order; `vectors` is the statement's bytea parameter (e.g. `$2::bytea`).
 */
export function eventRowsSelect(vectors: string): string {
  return ROW_COLUMNS.map(([name, type]) =>
    type === "bytea" ? `substring(${vectors} from r.${name}_at + 1 for r.${name}_bytes)` : `r.${name}`,
  ).join(", ");
}

/** An event batch as statement parameters: the rows as one JSON text, and their update vectors as one bytea. */
export interface EventRowsParams {
  json: string;
  vectors: Buffer;
}

/**
 * One JSON row per event, with `ord` = its index and `extra(i)`'s fields merged in, sent as ONE
 * parameter: a statement's text stays the same whatever the batch size (Postgres parses it as one short
 * statement, instead of a VALUES list of 17 casts per row), and no per-value array literal has to be
 * built on the client. The update vectors (most of a feedback row's bytes) go as raw little-endian
 * float32 bytes in a second, binary parameter, which each row addresses by offset: neither side spends
 * time on base64 or on parsing them as JSON text.
 */
export function eventRowsParams(
  rows: readonly EventInsert[],
  writer: string,
  extra?: (index: number) => Record<string, unknown>,
): EventRowsParams {
  let vectorBytes = 0;
  for (const row of rows) {
    if (row.update) vectorBytes += (row.update.shared.length + row.update.arm.length) * 4;
    const serving = row.serving;
    if (serving)
      vectorBytes += ((serving.session?.length ?? 0) + (serving.longTerm?.length ?? 0) + serving.signals.length) * 4;
  }
  const vectors = Buffer.allocUnsafe(vectorBytes);
  let at = 0;
  const put = (vector: Float32Array): number => {
    const start = at;
    writeFloat32LE(vector, vectors, at);
    at += vector.length * 4;
    return start;
  };
  const json = JSON.stringify(
    rows.map((row, ord) => {
      const update = row.update;
      // A field left undefined is left out of the JSON (its column reads as null): feedback rows carry
      // no impression fields, organic ones no update.
      const out: Record<string, unknown> = {
        event_id: row.eventId,
        kind: row.kind,
        occurred_at: new Date(row.occurredAtMs).toISOString(),
        user_id: row.userId,
        session_id: row.sessionId ?? undefined,
        item_id: row.itemId ?? undefined,
        feedback_type: row.feedbackType ?? undefined,
        recommendation_id: row.recommendationId ?? undefined,
        reward: row.reward ?? undefined,
        model_version: row.modelVersion ?? undefined,
        context: row.context ?? undefined,
        candidate_count: row.candidateCount ?? undefined,
        shown_items: row.shownItems ?? undefined,
        surface: row.surface ?? undefined,
        writer,
        ord,
      };
      if (update) {
        out.update_item_id = update.itemId;
        out.update_reward = update.reward;
        out.update_shared_at = put(update.shared);
        out.update_shared_bytes = update.shared.length * 4;
        out.update_arm_at = put(update.arm);
        out.update_arm_bytes = update.arm.length * 4;
      }
      const serving = row.serving;
      if (serving) {
        out.candidate_ids = serving.candidateIds;
        for (const [column, vector] of [
          ["session_vector", serving.session],
          ["long_term_vector", serving.longTerm],
          ["candidate_signals", serving.signals],
        ] as const) {
          if (vector === null) continue;
          out[`${column}_at`] = put(vector);
          out[`${column}_bytes`] = vector.length * 4;
        }
        if (serving.rules !== undefined) out.rules = serving.rules;
      }
      return extra ? Object.assign(out, extra(ord)) : out;
    }),
  );
  return { json, vectors };
}

/**
 * Inserts the rows in order (log order is arrival order; of two equal ids in a batch the first wins),
 * skipping event ids already logged, and returns the ids inserted now.
 */
export async function insertEvents(
  tx: SqlExecutor,
  rows: readonly EventInsert[],
  writer: string,
): Promise<Set<string>> {
  const accepted = new Set<string>();
  for (const batch of chunks(rows, ROWS_PER_STATEMENT)) {
    const { json, vectors } = eventRowsParams(batch, writer);
    const { rows: inserted } = await tx.query<{ event_id: string }>(
      `INSERT INTO events (${EVENT_ROW_COLUMNS})
       SELECT ${eventRowsSelect("$2::bytea")} FROM jsonb_to_recordset($1::jsonb) AS r(${eventRowsRecordType()})
       ORDER BY r.ord
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      [json, bytesParam(vectors)],
      "recs_events_insert",
    );
    for (const row of inserted) accepted.add(row.event_id);
  }
  return accepted;
}

export function feedbackInsert(record: FeedbackRecord): EventInsert {
  return {
    eventId: record.eventId,
    kind: "feedback",
    occurredAtMs: record.occurredAtMs,
    userId: record.userId,
    sessionId: record.sessionId,
    itemId: record.itemId,
    feedbackType: record.type,
    recommendationId: record.recommendationId,
    reward: record.reward,
    modelVersion: null,
    context: null,
    candidateCount: null,
    shownItems: null,
    update: record.modelUpdate,
    surface: record.modelUpdate ? (record.modelUpdate.surface ?? null) : null,
  };
}

export function impressionInsert(record: ImpressionRecord): EventInsert {
  return {
    eventId: impressionEventId(record.recommendationId),
    kind: "impression",
    occurredAtMs: record.occurredAtMs,
    userId: record.userId,
    sessionId: record.sessionId,
    itemId: null,
    feedbackType: null,
    recommendationId: record.recommendationId,
    reward: null,
    modelVersion: record.modelVersion,
    context: record.context,
    candidateCount: record.candidateCount,
    shownItems: record.items,
    update: null,
    ...(record.serving ? { serving: record.serving } : {}),
    surface: record.surface ?? null,
  };
}

export function defaultRewardInsert(record: DefaultRewardRecord): EventInsert {
  return {
    eventId: defaultRewardEventId(record.recommendationId, record.update.itemId),
    kind: "default_reward",
    occurredAtMs: record.occurredAtMs,
    userId: record.userId,
    sessionId: null,
    itemId: record.update.itemId,
    feedbackType: null,
    recommendationId: record.recommendationId,
    reward: record.update.reward,
    modelVersion: null,
    context: null,
    candidateCount: null,
    shownItems: null,
    update: record.update,
    surface: record.update.surface ?? null,
  };
}

/** The columns of `ModelUpdateRow`, for a select list. */
export const MODEL_UPDATE_COLUMNS =
  "seq, writer, kind, removes_seq, update_item_id, update_reward, update_shared, update_arm, surface";

/** A logged model update as both drivers return it (a `forgotten` tombstone has nulls and an empty update_shared). */
export interface ModelUpdateRow {
  seq: string;
  writer: string | null;
  kind: string;
  removes_seq: string | null;
  update_item_id: string | null;
  update_reward: number | null;
  update_shared: Uint8Array;
  update_arm: Uint8Array | null;
  surface: string | null;
}

/** Maps a row to an update; null (to be reported) when a vector is not whole float32 values. */
export function rowToModelUpdate(row: ModelUpdateRow): LoggedModelUpdate | null {
  const seq = bigintText(row.seq);
  const surface = row.surface ?? "default";
  if (row.kind === "forgotten")
    return {
      seq,
      writer: row.writer,
      effect: "forgotten",
      removesSeq: null,
      surface,
      itemId: "",
      reward: 0,
      ...NO_VECTORS,
    };
  if (row.kind === "forget" && row.removes_seq === null)
    return {
      seq,
      writer: row.writer,
      effect: "recount",
      removesSeq: null,
      surface,
      itemId: row.update_item_id ?? "",
      reward: 0,
      ...NO_VECTORS,
    };
  const shared = bytesToVector(row.update_shared);
  const arm = row.update_arm === null ? null : bytesToVector(row.update_arm);
  if (!shared || !arm || row.update_item_id === null) return null;
  const removing = row.kind === "forget" && row.removes_seq !== null;
  return {
    seq,
    writer: row.writer,
    effect: removing ? "remove" : "add",
    removesSeq: removing ? bigintText(row.removes_seq!) : null,
    surface,
    itemId: row.update_item_id,
    reward: Number(row.update_reward),
    shared,
    arm,
  };
}

const NO_VECTORS = { shared: new Float32Array(0), arm: new Float32Array(0) };

/** One shown item of an impression joined to its reward; the serving columns only on position 0. */
export interface LoggedDecisionRow {
  occurred_at: Date;
  user_id: string;
  session_id: string;
  context: Record<string, unknown> | null;
  item_id: string;
  position: number;
  propensity: number;
  reward: number;
  seq: string;
  model_version: string | null;
  surface: string | null;
  candidate_ids: string[] | null;
  session_vector: Uint8Array | null;
  long_term_vector: Uint8Array | null;
  candidate_signals: Uint8Array | null;
  rules: unknown;
}

export function rowToLoggedDecision(row: LoggedDecisionRow): LoggedDecision {
  const context: Record<string, string> = {};
  for (const [key, value] of Object.entries(row.context ?? {})) context[key] = String(value);
  const serving = rowToServingState(row);
  return {
    occurredAtMs: timeColumn(row.occurred_at),
    userId: row.user_id,
    sessionId: row.session_id,
    context,
    itemId: row.item_id,
    position: Number(row.position),
    propensity: Number(row.propensity),
    reward: Number(row.reward),
    seq: bigintText(row.seq),
    modelVersion: row.model_version ?? "",
    surface: row.surface ?? "default",
    ...(serving ? { serving } : {}),
  };
}

/** The logged serving state, or null when the row has none (or its vectors are not whole float32 values). */
function rowToServingState(row: LoggedDecisionRow): ServingState | null {
  if (row.candidate_ids === null || row.candidate_signals === null) return null;
  const signals = bytesToVector(row.candidate_signals);
  const session = row.session_vector === null ? null : bytesToVector(row.session_vector);
  const longTerm = row.long_term_vector === null ? null : bytesToVector(row.long_term_vector);
  // A vector column that is not whole float32 values: the row evaluates as if it had no state logged.
  if (signals === null || (session === null) !== (row.session_vector === null)) return null;
  if ((longTerm === null) !== (row.long_term_vector === null)) return null;
  return {
    candidateIds: row.candidate_ids,
    session,
    longTerm,
    signals,
    ...(row.rules === null || row.rules === undefined ? {} : { rules: row.rules }),
  };
}
