import { AlreadyExists, InvalidArgument, ResourceExhausted, Unavailable, type DomainError } from "../errors";
import { RejectedData } from "../state/rejected-data";

/** The log write was not confirmed in time; it may still land. */
export class CommitTimeout extends Error {}

/** The error a caller gets when its event's log write did not take it; each says what to do next. */
export function refusal(err: unknown): DomainError {
  if (err instanceof CommitTimeout) {
    return new Unavailable(
      "the event log did not confirm the write in time: retry the same event_id later " +
        "(if this write landed meanwhile, the retry is a duplicate)",
    );
  }
  // The store refused this event's data (its batch was written without it): retrying it as is cannot help.
  if (err instanceof RejectedData)
    return new InvalidArgument(
      `${err.message}; nothing was applied: correct the event before sending it again ` +
        `(a retry as is fails the same way)`,
    );
  if (err instanceof Unavailable || err instanceof ResourceExhausted) return err;
  return new Unavailable("the event log is unavailable; nothing was applied: retry the same event_id later", {
    cause: err,
  });
}

/** An event_id the log holds for another event (see `FeedbackOutcome`). */
export function reusedEventId(eventId: string): AlreadyExists {
  return new AlreadyExists(
    `event_id "${eventId}" was already used for a different event (user_id, session_id, item_id, type, ` +
      `reward or recommendation_id differ from the logged one); ` +
      "nothing was applied: give each event its own event_id, " +
      "and retry an event only with the fields it was first sent with",
  );
}
