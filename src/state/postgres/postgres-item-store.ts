import type { AvailabilityChange, AvailabilityResult, CatalogChanges, CatalogItem, ItemStore } from "../ports";
import type { SqlClient } from "./sql-client";
import {
  bigintNumber,
  bigintText,
  checkedSeq,
  chunks,
  valuesList,
  vectorColumn,
  vectorParam,
  type OnCorrupt,
} from "./sql-values";

/** An `items` row as both drivers return it. */
export interface ItemRow {
  item_id: string;
  embedding: number[];
  category: string;
  attributes: Record<string, unknown>;
  available: boolean;
  change_seq: string;
}

const ITEM_COLUMNS = "item_id, embedding, category, attributes, available, change_seq";
/**
 * Advisory lock class of catalog writers (the second key is the schema): holding it until commit makes
 * change_seq order commit order, so a poller never skips a late commit (see 001_init.sql).
 */
const ITEM_WRITE_LOCK_CLASS = 0x7265_6374;
const ROWS_PER_STATEMENT = 1_000;

/** Maps a row to an item; null (and reported) when its embedding does not have the configured width. */
export function rowToItem(row: ItemRow, embeddingDim: number, onCorrupt: OnCorrupt): CatalogItem | null {
  if (row.embedding.length !== embeddingDim) {
    onCorrupt(
      "item_embedding",
      `item ${row.item_id}: stored embedding has ${row.embedding.length} values, expected ${embeddingDim}; skipped`,
    );
    return null;
  }
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(row.attributes)) attributes[key] = String(value);
  return {
    itemId: row.item_id,
    embedding: vectorColumn(row.embedding),
    category: row.category,
    attributes,
    available: row.available,
  };
}

/** The catalog in Postgres/PGlite. change_seq is the changesSince cursor. */
export class PostgresItemStore implements ItemStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly embeddingDim: number,
    private readonly onCorrupt: OnCorrupt,
  ) {}

  async upsert(items: CatalogItem[]): Promise<void> {
    if (items.length === 0) return;
    // One statement cannot update the same row twice, and the last write of an id is the one that counts.
    const latest = [...new Map(items.map((item) => [item.itemId, item])).values()];
    await this.sql.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))", [
        ITEM_WRITE_LOCK_CLASS,
      ]);
      for (const batch of chunks(latest, ROWS_PER_STATEMENT)) {
        const params: unknown[] = [];
        for (const item of batch) {
          params.push(
            item.itemId,
            vectorParam(item.embedding),
            item.category,
            JSON.stringify(item.attributes),
            item.available,
          );
        }
        await tx.query(
          `INSERT INTO items (item_id, embedding, category, attributes, available)
           VALUES ${valuesList(batch.length, ["text", "real[]", "text", "jsonb", "boolean"])}
           ON CONFLICT (item_id) DO UPDATE SET
             embedding = EXCLUDED.embedding, category = EXCLUDED.category, attributes = EXCLUDED.attributes,
             available = EXCLUDED.available, change_seq = nextval('items_change_seq'), updated_at = now()`,
          params,
        );
      }
    });
  }

  async setAvailability(changes: AvailabilityChange[]): Promise<AvailabilityResult> {
    const latest = [...new Map(changes.map((change) => [change.itemId, change])).values()];
    const found = new Set<string>();
    const items: CatalogItem[] = [];
    if (latest.length === 0) return { items, unknown: [] };
    await this.sql.transaction(async (tx) => {
      // The same lock as upsert: change_seq must follow commit order for the pollers (see upsert).
      await tx.query("SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))", [
        ITEM_WRITE_LOCK_CLASS,
      ]);
      for (const batch of chunks(latest, ROWS_PER_STATEMENT)) {
        const { rows } = await tx.query<ItemRow>(
          `UPDATE items AS i SET available = c.available, change_seq = nextval('items_change_seq'), updated_at = now()
           FROM (VALUES ${valuesList(batch.length, ["text", "boolean"])}) AS c (item_id, available)
           WHERE i.item_id = c.item_id
           RETURNING ${ITEM_COLUMNS.split(", ")
             .map((column) => `i.${column}`)
             .join(", ")}`,
          batch.flatMap((change) => [change.itemId, change.available]),
        );
        for (const row of rows) {
          found.add(row.item_id);
          const item = rowToItem(row, this.embeddingDim, this.onCorrupt);
          if (item) items.push(item);
        }
      }
    });
    return { items, unknown: latest.filter((change) => !found.has(change.itemId)).map((change) => change.itemId) };
  }

  async get(itemId: string): Promise<CatalogItem | null> {
    const { rows } = await this.sql.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE item_id = $1`, [itemId]);
    const row = rows[0];
    return row ? rowToItem(row, this.embeddingDim, this.onCorrupt) : null;
  }

  async changesSince(cursor: string | null, limit: number): Promise<CatalogChanges> {
    const after = cursor === null ? "0" : checkedSeq(cursor, "catalog cursor");
    const { rows } = await this.sql.query<ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM items WHERE change_seq > $1::bigint ORDER BY change_seq LIMIT $2`,
      [after, Math.max(0, Math.floor(limit))],
    );
    const last = rows.at(-1);
    const items: CatalogItem[] = [];
    for (const row of rows) {
      const item = rowToItem(row, this.embeddingDim, this.onCorrupt);
      if (item) items.push(item);
    }
    // The cursor passes skipped (corrupt) rows too, so one bad row cannot stall every poller.
    return { items, cursor: last ? bigintText(last.change_seq) : cursor };
  }

  async count(): Promise<number> {
    const { rows } = await this.sql.query<{ count: string }>("SELECT count(*) AS count FROM items");
    return bigintNumber(rows[0]?.count ?? "0");
  }
}
