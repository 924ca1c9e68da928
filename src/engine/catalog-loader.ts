import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { ItemStore, CatalogItem } from "../state/ports";
import { validateItem } from "./item-validation";
import { MAX_LISTED_REJECTIONS, type BulkSummary } from "./types";
import { InvalidArgument } from "../errors";

/**
 * Loads a JSON Lines catalog (`{"item_id", "embedding", "category", "attributes", "available"?}` per
 * line; gzipped when the name ends in .gz) with the same validation as Catalog.UpsertItems. Bad lines
 * are rejected with their line number (as `index`, 0-based) and reason; the rest go in, in batches.
 */
export async function loadCatalogFile(
  path: string,
  items: ItemStore,
  dim: number,
  onProgress?: (linesRead: number, bytesRead: number) => void,
): Promise<BulkSummary> {
  const summary: BulkSummary = { received: 0, accepted: 0, duplicates: 0, rejected: 0, rejections: [] };
  const file = createReadStream(path);
  const input = path.endsWith(".gz") ? file.pipe(createGunzip()) : file;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let batch: CatalogItem[] = [];
  let lineNo = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await items.upsert(batch);
    summary.accepted += batch.length;
    batch = [];
  };
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    summary.received++;
    let id = "";
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        throw new InvalidArgument(`not valid JSON (${(err as Error).message})`);
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new InvalidArgument("a line must be a JSON object");
      const raw = parsed as Record<string, unknown>;
      id = typeof raw.item_id === "string" ? raw.item_id : "";
      batch.push(validateItem({ itemId: raw.item_id, embedding: raw.embedding, category: raw.category, attributes: raw.attributes, available: raw.available }, dim));
    } catch (err) {
      if (!(err instanceof InvalidArgument)) throw err;
      summary.rejected++;
      if (summary.rejections.length < MAX_LISTED_REJECTIONS) summary.rejections.push({ index: lineNo, id, reason: `${path}:${lineNo}: ${err.message}` });
    }
    if (batch.length >= 1000) {
      await flush();
      onProgress?.(lineNo, file.bytesRead);
    }
  }
  await flush();
  onProgress?.(lineNo, file.bytesRead);
  return summary;
}
