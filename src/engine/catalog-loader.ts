import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { ItemStore } from "../state/ports";
import { CatalogWriter } from "./catalog-writer";
import { unknownItemReason, validateItemWrite, type ItemWrite } from "./item-validation";
import { MAX_LISTED_REJECTIONS, type BulkSummary } from "./types";
import { InvalidArgument } from "../errors";

/**
 * Loads a JSON Lines catalog (`{"item_id", "embedding", "category", "attributes", "available"?}` per
 * line; gzipped when the name ends in .gz) with the same validation as Catalog.UpsertItems, including
 * availability-only lines (`{"item_id", "available"}`). Bad lines are rejected with their line number
 * (as `index`, 1-based) and reason; the rest go in, in batches.
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
  const rejectLine = (lineNo: number, id: string, reason: string) => {
    summary.rejected++;
    if (summary.rejections.length < MAX_LISTED_REJECTIONS)
      summary.rejections.push({ index: lineNo, id, reason: `${path}:${lineNo}: ${reason}` });
  };
  const writer = new CatalogWriter(
    items,
    {
      written: (_stored, accepted) => void (summary.accepted += accepted),
      unknown: (lineNo, itemId) => rejectLine(lineNo, itemId, unknownItemReason(itemId)),
    },
    1000,
  );
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    summary.received++;
    let id = "";
    let write: ItemWrite;
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        throw new InvalidArgument(`not valid JSON (${(err as Error).message})`);
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new InvalidArgument("a line must be a JSON object");
      const raw = parsed as Record<string, unknown>;
      id = typeof raw.item_id === "string" ? raw.item_id : "";
      write = validateItemWrite(
        {
          itemId: raw.item_id,
          embedding: raw.embedding,
          category: raw.category,
          attributes: raw.attributes,
          available: raw.available,
        },
        dim,
      );
    } catch (err) {
      if (!(err instanceof InvalidArgument)) throw err;
      rejectLine(lineNo, id, err.message);
      continue;
    }
    await writer.add(write, lineNo);
    if (lineNo % 1000 === 0) onProgress?.(lineNo, file.bytesRead);
  }
  await writer.flush();
  onProgress?.(lineNo, file.bytesRead);
  summary.rejections.sort((a, b) => a.index - b.index);
  return summary;
}

/**
 * The embedding length of the file's first item (null when it has none readable): enough to tell a
 * catalog made for another RECS_EMBEDDING_DIM before loading thousands of lines only to reject each.
 */
export async function firstEmbeddingLength(path: string): Promise<number | null> {
  const file = createReadStream(path);
  const lines = createInterface({
    input: path.endsWith(".gz") ? file.pipe(createGunzip()) : file,
    crlfDelay: Infinity,
  });
  try {
    for await (const line of lines) {
      if (line.trim() === "") continue;
      try {
        const embedding = (JSON.parse(line) as { embedding?: unknown }).embedding;
        return Array.isArray(embedding) ? embedding.length : null;
      } catch {
        return null;
      }
    }
    return null;
  } finally {
    lines.close();
    file.destroy();
  }
}
