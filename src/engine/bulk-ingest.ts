import { InvalidArgument, Unavailable } from "../errors";
import type { ItemStore } from "../state/ports";
import { decoded, emptySummary, reject, type StreamEntry } from "./bulk-summary";
import type { CatalogMirror } from "./catalog-mirror";
import { CatalogWriter } from "./catalog-writer";
import type { FeedbackFlow } from "./feedback";
import { unknownItemReason, validateItemWrite, type ItemWrite, type RawItem } from "./item-validation";
import type { BulkSummary, FeedbackInput } from "./types";

/**
 * Feedback events of one IngestFeedback stream handled at once. Enough to fill group-commit batches;
 * more only queues work on the event loop, where the store reads' deadlines expire while their replies
 * wait their turn (and a reward whose serving context is not read in time never trains the model).
 */
const STREAM_CONCURRENCY = 128;

/** IngestFeedback: every event of the stream through the feedback flow, STREAM_CONCURRENCY at a time. */
export async function ingestFeedbackStream(
  stream: AsyncIterable<StreamEntry<FeedbackInput>>,
  flow: FeedbackFlow,
  onUndecodable: () => void,
): Promise<BulkSummary> {
  const summary = emptySummary();
  // A count and one waiter, not Promise.race over the in-flight set: racing 128 promises per event
  // hangs 128 reactions on them each time.
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const settled = () => {
    inFlight--;
    const waiter = wake;
    wake = null;
    waiter?.();
  };
  const slotFree = () => new Promise<void>((resolve) => (wake = resolve));
  for await (const { at, entry } of decoded(stream, summary, onUndecodable)) {
    inFlight++;
    flow
      .handle(entry.value)
      .then(
        (result) => void (result.duplicate ? summary.duplicates++ : summary.accepted++),
        (err: unknown) => reject(summary, at, entry.id, err instanceof Error ? err.message : String(err)),
      )
      .finally(settled);
    while (inFlight >= STREAM_CONCURRENCY) await slotFree();
  }
  while (inFlight > 0) await slotFree();
  summary.rejections.sort((a, b) => a.index - b.index);
  return summary;
}

/**
 * UpsertItems: validates and upserts a stream of items in batches; bad items are rejected, the rest go
 * in, and the catalog mirror follows each written batch. An item with no embedding and `available` set
 * changes only the availability of a known item.
 */
export async function upsertItemStream(
  stream: AsyncIterable<StreamEntry<RawItem>>,
  items: ItemStore,
  catalog: CatalogMirror,
  embeddingDim: number,
): Promise<BulkSummary> {
  const summary = emptySummary();
  const storeFailed = (err: unknown) =>
    new Unavailable(
      `the item store failed after ${summary.accepted} items were upserted; upserts are idempotent, ` +
        `so resend the stream`,
      { cause: err },
    );
  const writer = new CatalogWriter(
    {
      upsert: (batch) =>
        items.upsert(batch).catch((err: unknown) => {
          throw storeFailed(err);
        }),
      setAvailability: (changes) =>
        items.setAvailability(changes).catch((err: unknown) => {
          throw storeFailed(err);
        }),
    },
    {
      written: (stored, accepted) => {
        catalog.apply(stored);
        summary.accepted += accepted;
      },
      unknown: (at, itemId) => reject(summary, at, itemId, unknownItemReason(itemId)),
    },
    500,
  );
  for await (const { at, entry } of decoded(stream, summary)) {
    let write: ItemWrite;
    try {
      write = validateItemWrite(entry.value, embeddingDim);
    } catch (err) {
      if (!(err instanceof InvalidArgument)) throw err;
      reject(summary, at, entry.id, err.message);
      continue;
    }
    await writer.add(write, at);
  }
  await writer.flush();
  // Unknown items are found when their batch is written, after later messages were validated.
  summary.rejections.sort((a, b) => a.index - b.index);
  return summary;
}
