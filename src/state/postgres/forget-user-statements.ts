import type { LoggedModelUpdate, RemovedUpdate, UserForgotten } from "../ports";
import { MODEL_UPDATE_COLUMNS, rowToModelUpdate, type ModelUpdateRow } from "./event-rows";
import type { SqlExecutor } from "./sql-client";
import { bigintText, type OnCorrupt } from "./sql-values";

/**
 * `EventLog.forgetUser`'s statements, in the caller's transaction (which holds the model-update lock, so
 * the removal rows take positions in commit order): read the user's model-update rows; append a removal
 * for each (`removes_seq` = its position, same vectors, no user id); turn each into a tombstone in place
 * (same seq and writer, no user data, empty vectors); append a `recount` row per item of their positive
 * feedback; delete the user's other rows and the profile.
 */
export async function forgetUserRows(tx: SqlExecutor, userId: string, onCorrupt: OnCorrupt): Promise<UserForgotten> {
  const { rows } = await tx.query<ModelUpdateRow>(
    `SELECT ${MODEL_UPDATE_COLUMNS} FROM events
     WHERE user_id = $1 AND update_shared IS NOT NULL AND kind IN ('feedback', 'default_reward') AND NOT rolled_back
     ORDER BY seq FOR UPDATE`,
    [userId],
  );
  // Updates a model rollback took back already have their removal: they become tombstones, with none more.
  const { rows: rolledBack } = await tx.query<{ seq: string }>(
    `SELECT seq FROM events WHERE user_id = $1 AND update_shared IS NOT NULL AND rolled_back FOR UPDATE`,
    [userId],
  );
  const removed: RemovedUpdate[] = [];
  for (const row of rows) {
    const update = rowToModelUpdate(row);
    if (update) removed.push({ update: modelUpdateOf(update), seq: update.seq, writer: update.writer });
    else
      onCorrupt(
        "model_update",
        `event seq ${bigintText(row.seq)}: model update vectors are not whole float32 values; not taken back`,
      );
  }
  const { rows: positive } = await tx.query<{ item_id: string }>(
    `SELECT DISTINCT item_id FROM events
     WHERE user_id = $1 AND kind = 'feedback' AND reward > 0 ORDER BY item_id`,
    [userId],
  );
  const positiveItemIds = positive.map((row) => row.item_id);
  if (rows.length > 0)
    await tx.query(
      `INSERT INTO events (event_id, kind, occurred_at, user_id, update_item_id, update_reward, update_shared,
         update_arm, removes_seq, surface)
       SELECT 'forget:' || seq, 'forget', now(), '', update_item_id, update_reward, update_shared, update_arm, seq,
         surface
       FROM events WHERE seq = ANY($1::bigint[]) ORDER BY seq`,
      [removed.map((r) => r.seq)],
    );
  if (rows.length + rolledBack.length > 0)
    await tx.query(
      `UPDATE events SET kind = 'forgotten', event_id = 'forgotten:' || seq, user_id = '', session_id = NULL,
         item_id = NULL, feedback_type = NULL, recommendation_id = NULL, reward = NULL, model_version = NULL,
         context = NULL, candidate_count = NULL, shown_items = NULL, update_item_id = NULL,
         update_reward = NULL, update_shared = ''::bytea, update_arm = NULL
       WHERE seq = ANY($1::bigint[])`,
      [[...rows, ...rolledBack].map((row) => bigintText(row.seq))],
    );
  if (positiveItemIds.length > 0)
    await tx.query(
      `INSERT INTO events (event_id, kind, occurred_at, user_id, update_item_id, update_shared)
       SELECT 'recount:' || gen_random_uuid(), 'forget', now(), '', item, ''::bytea
       FROM unnest($1::text[]) AS item`,
      [positiveItemIds],
    );
  const deleted = await tx.query("DELETE FROM events WHERE user_id = $1", [userId]);
  const profile = await tx.query("DELETE FROM users WHERE user_id = $1", [userId]);
  return {
    eventsDeleted: rows.length + rolledBack.length + deleted.rowCount,
    profileDeleted: profile.rowCount > 0,
    removed,
    positiveItemIds,
  };
}

function modelUpdateOf(logged: LoggedModelUpdate): RemovedUpdate["update"] {
  return {
    surface: logged.surface ?? "default",
    itemId: logged.itemId,
    shared: logged.shared,
    arm: logged.arm,
    reward: logged.reward,
  };
}
