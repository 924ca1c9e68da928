import type { SlateRules } from "../engine/types";
import { OnlineModel } from "../engine/model";
import type { CatalogItem, DurableStores, LoggedDecision as StoredDecision } from "../state/ports";
import { parseLogRules } from "./log-rules";
import { LogFormatError, type LoggedDecision } from "./log-format";

/** Where the service's own rows come from in messages: there is no file, so the "line" is the row number. */
export const DB_SOURCE = "events (database)";

/** The whole catalog from the item store, page by page. */
export async function catalogFromStore(durable: DurableStores, pageSize = 5000): Promise<CatalogItem[]> {
  const items: CatalogItem[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await durable.items.changesSince(cursor, pageSize);
    items.push(...page.items);
    cursor = page.cursor;
    if (page.items.length < pageSize) return items;
  }
}

/**
 * The service's logged decisions (each shown item of each impression with its propensity, joined to
 * its reward) as log rows, read page by page. An impression logged with its serving state (migration 004 on) names its
 * candidates and the state they were scored with, so every policy's probabilities on it are exact;
 * an older one names neither: the evaluator takes every catalog item as a candidate and rebuilds the
 * state from the log (`approximateWarning` says how many). A propensity outside (0, 1] is an error like in
 * a file (strict) or a skipped, reported row.
 */
export async function* decisionsFromStore(
  durable: DurableStores,
  limit: number,
  options: {
    strict: boolean;
    onProblem: (problem: LogFormatError) => void;
    pageSize?: number;
    /** Whose impressions (default "default"). */
    surface?: string;
    /** Only impressions after this time (epoch ms). */
    afterMs?: number;
  },
): AsyncGenerator<LoggedDecision> {
  const pageSize = options.pageSize ?? PAGE_ROWS;
  let read = 0;
  let after: { occurredAtMs: number; seq?: string } | undefined =
    options.afterMs === undefined ? undefined : { occurredAtMs: options.afterMs };
  while (read < limit) {
    const want = Math.min(pageSize, limit - read);
    const page = await durable.events.loggedDecisions(want, after?.occurredAtMs, after?.seq, options.surface);
    // A full page may end inside an impression: its rows come again, whole, with the next page.
    const last = page.at(-1);
    const whole =
      page.length === want && read + want < limit && last !== undefined && page.some((row) => row.seq !== last.seq)
        ? page.filter((row) => row.seq !== last.seq)
        : page;
    for (const row of whole) {
      read++;
      const mapped = toLogRow(row, read, options);
      if (mapped !== null) yield mapped;
    }
    const end = whole.at(-1);
    if (page.length < want || end === undefined) return;
    after = { occurredAtMs: end.occurredAtMs, seq: end.seq };
  }
}

/** Rows per page read from the event log: a page of impressions' serving state is a few MB. */
const PAGE_ROWS = 5_000;

function toLogRow(
  row: StoredDecision,
  number: number,
  options: { strict: boolean; onProblem: (problem: LogFormatError) => void },
): LoggedDecision | null {
  if (!(row.propensity > 0 && row.propensity <= 1)) {
    const problem = new LogFormatError(DB_SOURCE, number, "propensity", `must be in (0, 1], got ${row.propensity}`);
    if (options.strict) throw problem;
    options.onProblem(problem);
    return null;
  }
  const modelUpdates = OnlineModel.updatesOfVersion(row.modelVersion);
  let rules: SlateRules | undefined;
  try {
    if (row.serving?.rules !== undefined)
      rules = parseLogRules(row.serving.rules, (field, problem) => {
        throw new LogFormatError(DB_SOURCE, number, field, problem);
      });
  } catch (problem) {
    if (options.strict || !(problem instanceof LogFormatError)) throw problem;
    options.onProblem(problem);
    return null;
  }
  return {
    tsMs: row.occurredAtMs,
    userId: row.userId,
    sessionId: row.sessionId,
    context: row.context,
    candidates: row.serving?.candidateIds ?? null,
    itemId: row.itemId,
    position: row.position,
    propensity: row.propensity,
    reward: row.reward,
    ...(row.serving ? { serving: row.serving } : {}),
    ...(modelUpdates === null ? {} : { modelUpdates }),
    ...(rules === undefined ? {} : { rules }),
  };
}

/** The warning for evaluated rows without their serving state, or null when there are none. */
export function approximateWarning(log: { rowsEvaluated: number; exactRows: number }): string | null {
  const approximate = log.rowsEvaluated - log.exactRows;
  if (approximate === 0) return null;
  return (
    `${approximate} of ${log.rowsEvaluated} impressions were logged without their candidates and serving ` +
    "state (before migration 004): their weights are approximate (every catalog item taken as a candidate, " +
    "state rebuilt from the log)"
  );
}
