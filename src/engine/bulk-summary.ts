import { MAX_LISTED_REJECTIONS, type BulkSummary } from "./types";

/** One message of a client stream after decoding: a value, or why it was rejected. */
export type StreamEntry<T> = { id: string; value: T } | { id: string; error: string };

export function emptySummary(): BulkSummary {
  return { received: 0, accepted: 0, duplicates: 0, rejected: 0, rejections: [] };
}

/**
 * The stream's messages that decoded, with their 0-based position; each that did not is counted as
 * received and rejected on the way (with the decoder's reason).
 */
export async function* decoded<T>(
  stream: AsyncIterable<StreamEntry<T>>,
  summary: BulkSummary,
  onUndecodable: () => void = () => undefined,
): AsyncIterable<{ at: number; entry: { id: string; value: T } }> {
  let at = 0;
  for await (const entry of stream) {
    summary.received++;
    if ("error" in entry) {
      reject(summary, at, entry.id, entry.error);
      onUndecodable();
    } else yield { at, entry };
    at++;
  }
}

export function reject(summary: BulkSummary, index: number, id: string, reason: string): void {
  summary.rejected++;
  if (summary.rejections.length < MAX_LISTED_REJECTIONS) summary.rejections.push({ index, id, reason });
}
