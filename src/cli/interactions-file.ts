import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { StreamEntry } from "../engine/bulk-summary";
import { checkId } from "../engine/item-validation";
import type { FeedbackInput } from "../engine/types";
import { InvalidArgument } from "../errors";
import type { FeedbackKind } from "../state/ports";

/*
 * Past interactions to import, one per line, CSV (a header row naming the columns; the file name ends in
 * .csv or .csv.gz) or JSON Lines (anything else; .gz read gzipped):
 *   user_id (or user), item_id (or item), type (click, add_to_cart, purchase, dismiss),
 *   time (or ts: milliseconds since 1970 or ISO-8601),
 *   optional: session_id (default "import:<user>"), event_id (default: a digest of user, item, type
 *   and time, so a second import of the same rows gives duplicates), reward (overrides the type's).
 */

/** One line of the file: the organic feedback event it stands for, or why it cannot be one. */
export interface InteractionLine {
  /** 1-based, blank lines and the CSV header counted. */
  line: number;
  entry: StreamEntry<FeedbackInput>;
}

export interface InteractionReadOptions {
  /** The clock and retention the service validates Feedback times against (RECS_EVENT_RETENTION_DAYS). */
  nowMs: number;
  retentionDays: number;
  /** Bytes of the file read so far (compressed bytes for .gz); updated as the read goes. */
  progress?: { bytesRead: number };
}

const DAY_MS = 86_400_000;
const KINDS: Record<string, FeedbackKind> = {
  click: "click",
  add_to_cart: "add_to_cart",
  purchase: "purchase",
  dismiss: "dismiss",
};
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Reads the file line by line; a bad line becomes a rejected entry naming its field, the rest go on. */
export async function* readInteractions(
  path: string,
  options: InteractionReadOptions,
): AsyncGenerator<InteractionLine> {
  const csv = /\.csv(\.gz)?$/i.test(path);
  const source = createReadStream(path);
  const input = path.endsWith(".gz") ? source.pipe(createGunzip()) : source;
  source.on("error", (err) => input.destroy(err));
  source.on("data", (chunk) => {
    if (options.progress) options.progress.bytesRead += chunk.length;
  });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let header: string[] | null = null;
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber++;
      if (text.trim() === "") continue;
      if (csv && header === null) {
        header = csvFields(text).map((name) => name.trim().toLowerCase());
        continue;
      }
      let record: Record<string, unknown>;
      try {
        record = csv ? csvRecord(header!, text) : jsonRecord(text);
        const value = toInput(record, options);
        yield { line: lineNumber, entry: { id: value.eventId, value } };
      } catch (err) {
        if (!(err instanceof InvalidArgument)) throw err;
        yield { line: lineNumber, entry: { id: "", error: err.message } };
      }
    }
  } finally {
    lines.close();
    input.destroy();
    source.destroy();
  }
}

function jsonRecord(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgument(`is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new InvalidArgument(`must be a JSON object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function csvRecord(header: readonly string[], text: string): Record<string, unknown> {
  const fields = csvFields(text);
  if (fields.length !== header.length)
    throw new InvalidArgument(`has ${fields.length} fields, the header names ${header.length}`);
  const record: Record<string, unknown> = {};
  header.forEach((name, i) => {
    if (fields[i] !== "") record[name] = fields[i];
  });
  return record;
}

/** A CSV line's fields: comma-separated, a field in double quotes may hold commas and "" for a quote. */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new InvalidArgument("has a quoted field without its closing quote");
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
      if (i < text.length && text[i] !== ",") throw new InvalidArgument("has text after a quoted field");
    } else {
      const comma = text.indexOf(",", i);
      field = text.slice(i, comma < 0 ? text.length : comma);
      i = comma < 0 ? text.length : comma;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/** The first of these fields the record has. */
function pick(record: Record<string, unknown>, names: readonly string[]): { name: string; value: unknown } {
  for (const name of names)
    if (record[name] !== undefined && record[name] !== null) return { name, value: record[name] };
  return { name: names[0]!, value: undefined };
}

function text(record: Record<string, unknown>, names: readonly string[]): string | undefined {
  const { name, value } = pick(record, names);
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new InvalidArgument(`"${name}" must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function requiredId(record: Record<string, unknown>, names: readonly string[]): string {
  const value = text(record, names);
  if (value === undefined) throw new InvalidArgument(`"${names[0]}" is required (the field is missing)`);
  return checkId(`"${pick(record, names).name}"`, value);
}

function toInput(record: Record<string, unknown>, options: InteractionReadOptions): FeedbackInput {
  const userId = requiredId(record, ["user_id", "user"]);
  const itemId = requiredId(record, ["item_id", "item"]);
  const rawReward = pick(record, ["reward"]).value;
  let reward: number | null = null;
  if (rawReward !== undefined) {
    reward = typeof rawReward === "string" && rawReward.trim() !== "" ? Number(rawReward) : (rawReward as number);
    if (typeof reward !== "number" || !Number.isFinite(reward) || Math.abs(reward) > 1e6)
      throw new InvalidArgument(`"reward" must be a finite number within ±1000000, got ${JSON.stringify(rawReward)}`);
  }
  const rawType = text(record, ["type"]);
  let type: FeedbackKind = "unspecified";
  if (rawType !== undefined) {
    const kind = KINDS[rawType.trim().toLowerCase().replace(/-/g, "_")];
    if (kind === undefined)
      throw new InvalidArgument(
        `"type" must be click, add_to_cart, purchase or dismiss, got ${JSON.stringify(rawType)}`,
      );
    type = kind;
  } else if (reward === null) throw new InvalidArgument(`"type" is required unless "reward" is set`);
  const occurredAtMs = time(record, options);
  const sessionId = text(record, ["session_id", "session"]) ?? `import:${userId}`;
  checkId('"session_id"', sessionId);
  const eventId =
    text(record, ["event_id"]) ??
    `import:${createHash("sha256")
      .update(JSON.stringify([userId, itemId, type, occurredAtMs]))
      .digest("hex")
      .slice(0, 32)}`;
  checkId('"event_id"', eventId);
  return { eventId, userId, sessionId, itemId, type, recommendationId: null, reward, occurredAtMs };
}

/** The interaction's time, within what the event log keeps (the bounds Feedback's occurred_at_ms has). */
function time(record: Record<string, unknown>, options: InteractionReadOptions): number {
  const { name, value } = pick(record, ["time", "ts", "occurred_at"]);
  let ms = Number.NaN;
  if (typeof value === "number") ms = value;
  else if (typeof value === "string" && /^\d+$/.test(value.trim())) ms = Number(value);
  else if (typeof value === "string" && ISO_8601.test(value.trim())) ms = Date.parse(value.trim());
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new InvalidArgument(
      value === undefined
        ? `"time" is required (milliseconds since 1970 or an ISO-8601 date)`
        : `"${name}" must be milliseconds since 1970 or an ISO-8601 date, got ${JSON.stringify(value)}`,
    );
  const earliest = options.nowMs - options.retentionDays * DAY_MS;
  if (ms < earliest)
    throw new InvalidArgument(
      `"${name}" ${new Date(ms).toISOString()} is older than the event log's retention of ` +
        `${options.retentionDays} days (earliest ${new Date(earliest).toISOString()}): the service refuses ` +
        `such events (the next retention sweep would delete them); raise RECS_EVENT_RETENTION_DAYS to import ` +
        `older history`,
    );
  if (ms > options.nowMs + DAY_MS)
    throw new InvalidArgument(
      `"${name}" ${new Date(ms).toISOString()} is more than a day ahead of this clock ` +
        `(${new Date(options.nowMs).toISOString()}): check the unit (milliseconds, not microseconds)`,
    );
  return ms;
}
