import type { Logger } from "../log";
import type { EventLog, SnapshotStore } from "../state/ports";

/** Something that writes model updates to the log and can hold its writes while `fn` runs. */
export interface WriteHold {
  hold<T>(fn: () => Promise<T>): Promise<T>;
}
import { OnlineModel, type ModelOptions } from "./model";
import { ModelLogReader } from "./model-log-reader";

/**
 * Loads the latest snapshot that fits today's feature layout and replays every logged model update
 * after it (DESIGN §4), so a crash loses no acknowledged update. Returns the model and the log position
 * it holds.
 */
export async function restoreModel(
  snapshots: SnapshotStore,
  events: EventLog,
  options: ModelOptions,
  log: Logger,
): Promise<{ model: OnlineModel; position: string; replayed: number }> {
  const snapshot = await snapshots.latest();
  let model: OnlineModel | null = null;
  let position = "0";
  if (snapshot) {
    model = OnlineModel.fromSnapshot(snapshot.data, options);
    if (model) position = snapshot.eventSeq;
    else
      log.warn(
        { modelVersion: snapshot.modelVersion },
        "latest model snapshot was made for another feature layout (RECS_EMBEDDING_DIM changed?); " +
          "rebuilding from the event log",
      );
  }
  model ??= OnlineModel.create(options);
  let replayed = 0;
  const reader = new ModelLogReader(model);
  for (;;) {
    const page = await events.modelUpdatesSince(position, 5000);
    const done = reader.apply(page);
    replayed += done.applied + done.removed;
    if (page.length === 0) break;
    position = page[page.length - 1]!.seq;
    if (page.length < 5000) break;
  }
  model.takeOutgoing();
  return { model, position, replayed };
}

/**
 * Saves a snapshot that is consistent with the log: while it is taken no write of this process is in
 * flight or starts, and `catchUp` brings the model to a log position (applying what other writers
 * logged up to it), so the model holds every update up to that position and none after it: this
 * process's own are all logged by then, and other writers' after it are not applied (`LogFollower`).
 */
export async function saveSnapshot(
  model: OnlineModel,
  snapshots: SnapshotStore,
  catchUp: () => Promise<string>,
  heldWrites: WriteHold[],
): Promise<{ position: string; bytes: number }> {
  const take = async () => {
    const position = await catchUp();
    const data = model.exportSnapshot();
    return { position, data, version: model.version };
  };
  let run: () => Promise<{ position: string; data: Uint8Array; version: string }> = take;
  for (const writer of heldWrites) {
    const inner = run;
    run = () => writer.hold(inner);
  }
  const { position, data, version } = await run();
  await snapshots.save({ modelVersion: version, eventSeq: position, createdAtMs: Date.now(), data });
  return { position, bytes: data.length };
}
