import { modelPrior, type Config } from "../config";
import type { Logger } from "../log";
import type { EventLog, LoggedModelUpdate, SnapshotStore } from "../state/ports";
import { DEFAULT_SURFACE, OnlineModel, type ModelOptions } from "./model";
import { ModelLogReader } from "./model-log-reader";
import { SurfaceModels, type SurfacePolicy } from "./surfaces";

/** Something that writes model updates to the log and can hold its writes while `fn` runs. */
export interface WriteHold {
  hold<T>(fn: () => Promise<T>): Promise<T>;
}

/** What a replica's surfaces are made with: the model layout, the environment's settings, the cap. */
export interface SurfaceOptions {
  model: ModelOptions;
  policy: SurfacePolicy;
  maxSurfaces: number;
}

/** The surfaces a replica (or a warm start) makes with the configuration it runs with. */
export function surfaceOptions(config: Config): SurfaceOptions {
  return {
    model: { dim: config.embeddingDim, alpha: config.alpha, prior: modelPrior(config) },
    policy: { alpha: config.alpha, epsilon: config.epsilon },
    maxSurfaces: config.maxSurfaces,
  };
}

/**
 * Loads each surface's latest snapshot that fits today's feature layout and replays every logged model
 * update after it (DESIGN §4), so a crash loses no acknowledged update: from the oldest of the
 * snapshots' positions, each row applied to its surface unless that surface's snapshot holds it. A
 * surface without a snapshot is newer than every snapshot taken (snapshots are taken of all surfaces at
 * once, `saveSnapshot`), so replay from there finds all of it. Returns the surfaces and the log position
 * they hold.
 */
export async function restoreSurfaces(
  snapshots: Pick<SnapshotStore, "latestPerSurface">,
  events: EventLog,
  options: SurfaceOptions,
  log: Logger,
): Promise<{ surfaces: SurfaceModels; position: string; replayed: number }> {
  const restored: OnlineModel[] = [];
  /** Per restored surface, the position its snapshot holds every update up to. */
  const held = new Map<string, bigint>();
  let start: bigint | null = null;
  for (const snapshot of await snapshots.latestPerSurface()) {
    const model = OnlineModel.fromSnapshot(snapshot.data, { ...options.model, surface: snapshot.surface });
    let from = 0n;
    if (model) {
      restored.push(model);
      from = BigInt(snapshot.eventSeq);
      held.set(snapshot.surface, from);
    } else
      log.warn(
        { surface: snapshot.surface, modelVersion: snapshot.modelVersion },
        "latest model snapshot was made for another feature layout (RECS_EMBEDDING_DIM changed?); " +
          "rebuilding from the event log",
      );
    if (start === null || from < start) start = from;
  }
  const surfaces = new SurfaceModels(options.model, options.policy, options.maxSurfaces, restored);
  let position = (start ?? 0n).toString();
  const lacks = (update: LoggedModelUpdate) => {
    const upTo = held.get(update.surface ?? DEFAULT_SURFACE);
    return upTo === undefined || BigInt(update.seq) > upTo;
  };
  let replayed = 0;
  const reader = new ModelLogReader(surfaces, held.size === 0 ? undefined : lacks);
  for (;;) {
    const page = await events.modelUpdatesSince(position, 5000);
    const done = reader.apply(page);
    replayed += done.applied + done.removed;
    if (page.length === 0) break;
    position = page[page.length - 1]!.seq;
    if (page.length < 5000) break;
  }
  surfaces.takeOutgoing();
  return { surfaces, position, replayed };
}

/**
 * Saves a snapshot of every surface that is consistent with the log: while they are taken no write of
 * this process is in flight or starts, and `catchUp` brings the models to a log position (applying what
 * other writers logged up to it), so they hold every update up to that position and none after it:
 * this process's own are all logged by then, and other writers' after it are not applied
 * (`LogFollower`). All surfaces at one position, in one transaction (`restoreSurfaces` relies on it).
 */
export async function saveSnapshot(
  surfaces: SurfaceModels,
  snapshots: SnapshotStore,
  catchUp: () => Promise<string>,
  heldWrites: WriteHold[],
): Promise<{ position: string; bytes: number }> {
  const take = async () => {
    const position = await catchUp();
    const createdAtMs = Date.now();
    return surfaces.all().map(({ name, model }) => ({
      surface: name,
      modelVersion: model.version,
      eventSeq: position,
      createdAtMs,
      data: model.exportSnapshot(),
    }));
  };
  let run = take;
  for (const writer of heldWrites) {
    const inner = run;
    run = () => writer.hold(inner);
  }
  const taken = await run();
  await snapshots.save(taken);
  return { position: taken[0]?.eventSeq ?? "0", bytes: taken.reduce((sum, s) => sum + s.data.length, 0) };
}
