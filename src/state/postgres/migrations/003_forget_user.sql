-- DeleteUser (exact forgetting). Append-only like every migration: never edit once released.
--
-- Forgetting a user deletes their rows and appends, for each of their rows that carried a model update,
-- a `forget` row: the same vectors (no user id), `removes_seq` naming the position of the update it takes
-- back. The update's own row becomes a `forgotten` tombstone at its position (no user data, an empty
-- update_shared so it stays in events_model_updates_idx): a replica that meets the tombstone while
-- following the log never applied that update, so it skips its removal; one that had applied it before
-- the deletion meets only the removal. A `forget` row without removes_seq (and empty vectors) names an
-- item whose popularity each replica recounts. See postgres-event-log.ts `forgetUser`.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
  CHECK (kind IN ('impression', 'feedback', 'default_reward', 'forget', 'forgotten'));
ALTER TABLE events ADD COLUMN removes_seq bigint;
-- Finds a user's rows without a scan of the log.
CREATE INDEX events_user_id_idx ON events (user_id);
-- A replica recounts an item's popularity from its own positive feedback after a DeleteUser.
CREATE INDEX events_positive_feedback_idx ON events (item_id, writer, seq) WHERE kind = 'feedback' AND reward > 0;
