import type { EventLog, FeedbackEntry, FeedbackOutcome, UserProfile } from "../state/ports";
import { RejectedData } from "../state/rejected-data";

/** One entry's fate in a group-commit write: what the log made of it, or the error that kept it out. */
export type EntryResult = { outcome: FeedbackOutcome } | { outcome: "failed"; error: unknown };

/** A group-commit write's results, one per entry, and the users it changed as stored (oldest first). */
export interface IsolatedAppend {
  results: EntryResult[];
  users: UserProfile[];
}

/**
 * Appends a group-commit batch so that one event the store refuses (`RejectedData`) fails alone, never
 * its neighbours: a refused batch is split in halves, each written in turn (log order stays arrival
 * order), down to the entries refused on their own. One bad entry among n costs about 2·log2(n) extra
 * writes, paid only when it happens.
 *
 * Any other error (the store down, a timeout) fails every entry not yet written, without trying them;
 * the part of the batch logged before it still comes back as logged, so what did land gets applied.
 * Never rejects.
 */
export async function appendIsolatingRejects(
  events: Pick<EventLog, "appendFeedback">,
  entries: FeedbackEntry[],
): Promise<IsolatedAppend> {
  const results: EntryResult[] = [];
  const users: UserProfile[] = [];
  let storeFailure: { error: unknown } | null = null;
  const write = async (slice: FeedbackEntry[]): Promise<void> => {
    if (storeFailure) {
      for (let i = 0; i < slice.length; i++) results.push({ outcome: "failed", error: storeFailure.error });
      return;
    }
    try {
      const written = await events.appendFeedback(slice);
      for (const outcome of written.outcomes) results.push({ outcome });
      users.push(...written.users);
    } catch (err) {
      if (err instanceof RejectedData && slice.length > 1) {
        const half = Math.ceil(slice.length / 2);
        await write(slice.slice(0, half));
        await write(slice.slice(half));
        return;
      }
      if (err instanceof RejectedData) {
        results.push({ outcome: "failed", error: err });
        return;
      }
      storeFailure = { error: err };
      for (let i = 0; i < slice.length; i++) results.push({ outcome: "failed", error: err });
    }
  };
  await write(entries);
  return { results, users };
}
