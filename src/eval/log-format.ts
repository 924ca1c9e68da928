import { createReadStream, createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { InvalidArgument } from "../errors";
import type { SlateRules } from "../engine/types";
import type { CatalogItem, ServingState } from "../state/ports";
import { formatLogRules, parseLogRules } from "./log-rules";

/*
 * The two fixed file formats every tool reads and writes. Both are JSON Lines, gzipped when the file
 * name ends in ".gz".
 *
 * Catalog, one item per line:
 *   {"item_id": str, "embedding": [number], "category": str, "attributes": {str: str|number|bool},
 *    "available"?: bool}
 * Log, one logged decision per line:
 *   {"ts": ms | ISO-8601, "user_id": str, "session_id": str, "context": {str: str|number},
 *    "candidates"?: [item id] (absent = every catalog item), "item_id": str, "position": int ≥ 0,
 *    "propensity": (0, 1], "reward": finite number, "rules"?: the request's business rules (log-rules.ts)}
 * Unknown fields are ignored, so files written by newer tools still read.
 */

/** One logged decision: what was shown, to whom, in which context, with what probability, and the reward. */
export interface LoggedDecision {
  tsMs: number;
  userId: string;
  sessionId: string;
  context: Record<string, string | number>;
  /** The candidate set, or null for "every catalog item". */
  candidates: string[] | null;
  itemId: string;
  position: number;
  /** Probability with which the logging policy chose `itemId` here: in (0, 1]. */
  propensity: number;
  reward: number;
  /**
   * The service's own log only: the state the candidates were scored with (then `candidates` is their
   * list), which makes every policy's probabilities exact; absent = rebuilt from the log as it replays.
   */
  serving?: ServingState;
  /** The service's own log only: how many model updates the serving model held (`OnlineModel.version`). */
  modelUpdates?: number;
  /** The request's business rules, which every target policy then fills its slate under; absent = none. */
  rules?: SlateRules;
}

/** A line that does not follow the format. The message reads `file:line: "field" must be ..., got ...`. */
export class LogFormatError extends InvalidArgument {
  override name = "LogFormatError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | null,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${field === null ? "" : `"${field}" `}${problem}`);
  }
}

/** What a lenient read skipped. Fill one by passing it as `report`; it is complete when the read ends. */
export interface ReadReport {
  /** Non-blank lines seen. */
  lines: number;
  rowsRead: number;
  /** Bad lines left out (lenient mode only). */
  skipped: number;
  /** The first `maxProblems` problems, in file order. */
  problems: LogFormatError[];
  /** Line number (1-based, blank lines counted) of the row yielded last: where a caller's own check of it points. */
  lastLine: number;
  /** Bytes of the file read so far (compressed bytes for .gz), for progress against the file size. */
  bytesRead: number;
}

export interface ReadOptions {
  /** Throw at the first bad line (default) or skip and count bad lines. */
  strict?: boolean;
  report?: ReadReport;
  /** Problems kept in the report; default 20. */
  maxProblems?: number;
}

export function createReadReport(): ReadReport {
  return { lines: 0, rowsRead: 0, skipped: 0, problems: [], lastLine: 0, bytesRead: 0 };
}

/** Reads a log row by row without loading the file; bad lines throw (strict) or land in `report`. */
export async function* readLog(path: string, options: ReadOptions = {}): AsyncGenerator<LoggedDecision, ReadReport> {
  return yield* readRows(path, options, parseLogRow);
}

/** Reads a whole catalog. Every embedding must have the first item's length; item ids must be unique. */
export async function readCatalog(path: string, options: ReadOptions = {}): Promise<CatalogItem[]> {
  const items: CatalogItem[] = [];
  const seen = new Set<string>();
  const check = (record: Record<string, unknown>, where: Where): CatalogItem => {
    const item = parseCatalogItem(record, where);
    const dimension = items[0]?.embedding.length ?? item.embedding.length;
    if (item.embedding.length !== dimension)
      where.fail("embedding", `must have ${dimension} numbers like the first item, got ${item.embedding.length}`);
    if (seen.has(item.itemId)) where.fail("item_id", `${JSON.stringify(item.itemId)} appears twice`);
    return item;
  };
  for await (const item of readRows(path, options, check)) {
    seen.add(item.itemId);
    items.push(item);
  }
  return items;
}

interface Where {
  fail(field: string | null, problem: string): never;
}

async function* readRows<T>(
  path: string,
  options: ReadOptions,
  parse: (record: Record<string, unknown>, where: Where) => T,
): AsyncGenerator<T, ReadReport> {
  const strict = options.strict ?? true;
  const maxProblems = options.maxProblems ?? 20;
  const report = options.report ?? createReadReport();
  const source = createReadStream(path);
  const input = path.endsWith(".gz") ? source.pipe(createGunzip()) : source;
  source.on("error", (err) => input.destroy(err));
  source.on("data", (chunk) => (report.bytesRead += chunk.length));
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === "") continue;
      report.lines++;
      const at = lineNumber;
      const where: Where = {
        fail(field, problem) {
          throw new LogFormatError(path, at, field, problem);
        },
      };
      let row: T;
      try {
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch (err) {
          where.fail(null, `is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
        }
        if (typeof record !== "object" || record === null || Array.isArray(record))
          where.fail(null, `must be a JSON object, got ${describe(record)}`);
        row = parse(record as Record<string, unknown>, where);
      } catch (err) {
        if (!(err instanceof LogFormatError) || strict) throw err;
        report.skipped++;
        if (report.problems.length < maxProblems) report.problems.push(err);
        continue;
      }
      report.rowsRead++;
      report.lastLine = at;
      yield row;
    }
  } finally {
    lines.close();
    input.destroy();
    source.destroy();
  }
  return report;
}

function parseLogRow(record: Record<string, unknown>, where: Where): LoggedDecision {
  const candidates =
    record.candidates === undefined || record.candidates === null
      ? null
      : idList(record.candidates, "candidates", where);
  const itemId = id(record.item_id, "item_id", where);
  if (candidates !== null && !candidates.includes(itemId))
    where.fail("item_id", `${JSON.stringify(itemId)} is not one of "candidates"`);
  const position = record.position;
  if (typeof position !== "number" || !Number.isInteger(position) || position < 0)
    where.fail("position", `must be a whole number ≥ 0, got ${describe(position)}`);
  const propensity = record.propensity;
  if (typeof propensity !== "number" || !(propensity > 0 && propensity <= 1))
    where.fail("propensity", `must be in (0, 1], got ${describe(propensity)}`);
  const reward = record.reward;
  if (typeof reward !== "number" || !Number.isFinite(reward))
    where.fail("reward", `must be a finite number, got ${describe(reward)}`);
  return {
    tsMs: timestamp(record.ts, where),
    userId: id(record.user_id, "user_id", where),
    sessionId: id(record.session_id, "session_id", where),
    context: contextMap(record.context, where),
    candidates,
    itemId,
    position,
    propensity,
    reward,
    ...(record.rules === undefined || record.rules === null
      ? {}
      : { rules: parseLogRules(record.rules, (field, problem) => where.fail(field, problem)) }),
  };
}

function parseCatalogItem(record: Record<string, unknown>, where: Where): CatalogItem {
  const embedding = record.embedding;
  if (!Array.isArray(embedding) || embedding.length === 0)
    where.fail("embedding", `must be a non-empty array of numbers, got ${describe(embedding)}`);
  const bad = embedding.findIndex((x) => typeof x !== "number" || !Number.isFinite(x));
  if (bad >= 0)
    where.fail("embedding", `must hold finite numbers only, got ${describe(embedding[bad])} at index ${bad}`);
  const category = record.category;
  if (typeof category !== "string") where.fail("category", `must be a string, got ${describe(category)}`);
  const available = record.available ?? true;
  if (typeof available !== "boolean") where.fail("available", `must be true or false, got ${describe(available)}`);
  const rawAttributes = record.attributes ?? {};
  if (typeof rawAttributes !== "object" || rawAttributes === null || Array.isArray(rawAttributes))
    where.fail("attributes", `must be an object, got ${describe(rawAttributes)}`);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttributes)) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
      where.fail(`attributes.${key}`, `must be a string, number or boolean, got ${describe(value)}`);
    attributes[key] = String(value);
  }
  return {
    itemId: id(record.item_id, "item_id", where),
    embedding: Float32Array.from(embedding as number[]),
    category,
    attributes,
    available,
  };
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function timestamp(value: unknown, where: Where): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === "string" && ISO_8601.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  return where.fail("ts", `must be milliseconds since 1970 (≥ 0) or an ISO-8601 date, got ${describe(value)}`);
}

function id(value: unknown, field: string, where: Where): string {
  if (typeof value !== "string" || value.length === 0)
    where.fail(field, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

function idList(value: unknown, field: string, where: Where): string[] {
  if (!Array.isArray(value) || value.length === 0)
    where.fail(field, `must be a non-empty array of item ids (or absent for every item), got ${describe(value)}`);
  const bad = value.findIndex((x) => typeof x !== "string" || x.length === 0);
  if (bad >= 0) where.fail(field, `must hold non-empty strings only, got ${describe(value[bad])} at index ${bad}`);
  return value as string[];
}

function contextMap(value: unknown, where: Where): Record<string, string | number> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value))
    where.fail("context", `must be an object of strings and numbers, got ${describe(value)}`);
  for (const [key, entry] of Object.entries(value)) {
    const ok = typeof entry === "string" || (typeof entry === "number" && Number.isFinite(entry));
    if (!ok) where.fail(`context.${key}`, `must be a string or a finite number, got ${describe(entry)}`);
  }
  return value as Record<string, string | number>;
}

/** A value as shown in an error message: JSON, cut short. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A log row in the file format, keys in the documented order. */
export function formatLogRow(row: LoggedDecision): string {
  return JSON.stringify({
    ts: row.tsMs,
    user_id: row.userId,
    session_id: row.sessionId,
    context: row.context,
    ...(row.candidates === null ? {} : { candidates: row.candidates }),
    item_id: row.itemId,
    position: row.position,
    propensity: row.propensity,
    reward: row.reward,
    ...(row.rules === undefined ? {} : { rules: formatLogRules(row.rules) }),
  });
}

/** A catalog item in the file format; embedding floats rounded to 6 significant digits. */
export function formatCatalogItem(item: CatalogItem): string {
  return JSON.stringify({
    item_id: item.itemId,
    embedding: Array.from(item.embedding, (x) => Number(x.toPrecision(6))),
    category: item.category,
    attributes: item.attributes,
    ...(item.available ? {} : { available: false }),
  });
}

/**
 * Writes already-formatted lines (one per element, newline added) to `path`, gzipped when it ends in
 * ".gz", creating the folder. Streams with backpressure; resolves with the number of lines once the
 * file is flushed. Gzip output carries no timestamp, so equal lines give byte-identical files.
 */
export async function writeJsonLines(path: string, lines: Iterable<string> | AsyncIterable<string>): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  let count = 0;
  async function* batches(): AsyncGenerator<string> {
    let batch: string[] = [];
    for await (const line of lines) {
      batch.push(line);
      count++;
      if (batch.length === 512) {
        yield `${batch.join("\n")}\n`;
        batch = [];
      }
    }
    if (batch.length > 0) yield `${batch.join("\n")}\n`;
  }
  if (path.endsWith(".gz")) await pipeline(Readable.from(batches()), createGzip({ level: 9 }), createWriteStream(path));
  else await pipeline(Readable.from(batches()), createWriteStream(path));
  return count;
}
