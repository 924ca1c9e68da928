import { createHash } from "node:crypto";
import type { Config } from "../config";
import { examinedUpdate } from "../engine/examination";
import { InvalidArgument } from "../errors";
import { LogFollower } from "../engine/log-follower";
import { DEFAULT_SURFACE, type OnlineModel } from "../engine/model";
import { restoreSurfaces, saveSnapshot, surfaceOptions } from "../engine/model-persistence";
import { CandidateScorer } from "../engine/ranker";
import type { Logger } from "../log";
import type { DefaultRewardRecord, DurableStores } from "../state/ports";
import { catalogFromStore } from "./db-source";
import { CandidateResolver, Decision, EvalCatalog } from "./decision";
import { createReadReport, LogFormatError, readLog, type LoggedDecision } from "./log-format";
import { LoggedState } from "./logged-state";

/** The settings of the service a warm start trains for: the configuration `recs serve` reads. */
export type WarmStartConfig = Config;

export interface WarmStartSummary {
  /** Rows of the file. */
  rows: number;
  /** Model updates logged and applied now. */
  updates: number;
  /** Rows a warm start logged before (the same row content): skipped, their updates are already in the model. */
  duplicates: number;
  /** Updates the model held before (snapshot + log replay). */
  updatesBefore: number;
  /** Log position of the snapshot saved. */
  position: string;
  modelVersion: string;
}

export interface WarmStartProgress {
  phase: "check" | "train";
  rows: number;
  /** Bytes of the file read in this phase. */
  bytesRead: number;
}

/** Updates logged per write. */
const BATCH = 1000;

/** Prefix of the recommendation id each warm-start update is logged under (`warmStartId`). */
export const WARM_START_PREFIX = "warm-start:";

/**
 * Trains the service's model on a logged-decision file (the evaluator's format, `log-format.ts`) as the
 * service would have trained it serving those rows, and saves it as the snapshot `recs serve` starts from.
 *
 * Per row, as the feedback path and the default-reward sweep do: φ of the shown item as the service
 * scores it (session and long-term state rebuilt from the log as the evaluator rebuilds it,
 * `LoggedState`), scaled by the examination weight of the row's position (RECS_POSITION_DISCOUNT), with
 * the row's reward; a reward of 0 (nobody acted on the item) trains as RECS_DEFAULT_REWARD does.
 *
 * The rule that keeps replicas in agreement: a warm start is a writer of the event log like a replica.
 * It restores the model as a starting replica does (latest snapshot + the log after it), logs each
 * update (idempotently, under an id made of the row's content, with the row's user so DeleteUser takes
 * it back), applies what it logged, catches up with what other writers logged meanwhile, and saves a
 * snapshot at that log position. So the snapshot holds every update up to its position exactly once; a
 * replica started from it replays only what follows; a replica running meanwhile applies the warm-start
 * updates from the log as it applies another replica's; a rebuild from the log holds them too; and a
 * second run over the same rows changes nothing.
 *
 * The file is checked whole before anything is written: a bad line stops the run with its line and field.
 */
export async function warmStart(
  path: string,
  deps: { durable: DurableStores; config: WarmStartConfig; logger: Logger; surface?: string },
  onProgress: (progress: WarmStartProgress) => void = () => undefined,
): Promise<WarmStartSummary> {
  const { durable, config, logger } = deps;
  const items = await catalogFromStore(durable);
  if (items.length === 0)
    throw new InvalidArgument(
      "the catalog is empty: load it first (recs load-catalog FILE); the log's rows are scored against its items",
    );
  const catalog = new EvalCatalog(items);
  const rows = await checkRows(path, catalog, onProgress);

  // A warm start trains one surface (default unless named); the others are restored so the snapshot keeps them.
  const restored = await restoreSurfaces(durable.snapshots, durable.events, surfaceOptions(config), logger);
  const surfaces = restored.surfaces;
  const surface = deps.surface ?? DEFAULT_SURFACE;
  const model = surfaces.forRequest(surface).model;
  const updatesBefore = model.updateCount;
  const training = new RowTrainer(catalog, model, config, surface);
  const ids = new RowIds(surface);
  const report = createReadReport();
  let batch: DefaultRewardRecord[] = [];
  let updates = 0;
  const flush = async () => {
    const logged = await durable.events.appendDefaultRewards(batch);
    for (const record of logged) model.apply(record.update);
    updates += logged.length;
    batch = [];
  };
  const nowMs = Date.now();
  for await (const row of readLog(path, { report })) {
    batch.push({
      recommendationId: ids.next(row),
      userId: row.userId,
      occurredAtMs: nowMs,
      update: training.update(row),
    });
    if (batch.length === BATCH) {
      await flush();
      onProgress({ phase: "train", rows: report.rowsRead, bytesRead: report.bytesRead });
    }
  }
  await flush();
  onProgress({ phase: "train", rows: report.rowsRead, bytesRead: report.bytesRead });
  surfaces.takeOutgoing();

  const follower = new LogFollower(surfaces, durable.events, restored.position);
  const saved = await saveSnapshot(
    surfaces,
    durable.snapshots,
    async () => {
      await follower.catchUp();
      return follower.position;
    },
    [],
  );
  return {
    rows,
    updates,
    duplicates: rows - updates,
    updatesBefore,
    position: saved.position,
    modelVersion: model.version,
  };
}

/** Reads the whole file once: a line that does not follow the format, or names an unknown item, throws. */
async function checkRows(
  path: string,
  catalog: EvalCatalog,
  onProgress: (progress: WarmStartProgress) => void,
): Promise<number> {
  const resolver = new CandidateResolver(catalog);
  const report = createReadReport();
  for await (const row of readLog(path, { report })) {
    const found = resolver.resolve(row.candidates);
    if ("unknownId" in found)
      throw new LogFormatError(
        path,
        report.lastLine,
        "candidates",
        `names item ${JSON.stringify(found.unknownId)}, which is not in the catalog`,
      );
    if (row.candidates === null && catalog.mirror.indexOf(row.itemId) === undefined)
      throw new LogFormatError(path, report.lastLine, "item_id", `${JSON.stringify(row.itemId)} is not in the catalog`);
    if (report.rowsRead % 1000 === 0)
      onProgress({ phase: "check", rows: report.rowsRead, bytesRead: report.bytesRead });
  }
  onProgress({ phase: "check", rows: report.rowsRead, bytesRead: report.bytesRead });
  if (report.rowsRead === 0) throw new InvalidArgument(`${path} holds no rows: nothing to train on`);
  return report.rowsRead;
}

/** The update the service would make of each row, in file order (the rebuilt state follows the rows). */
class RowTrainer {
  private readonly resolver: CandidateResolver;
  private readonly state: LoggedState;
  private readonly scorer: CandidateScorer;
  private readonly shared: Float32Array;
  private readonly arm: Float32Array;
  private index = 0;

  constructor(
    private readonly catalog: EvalCatalog,
    model: OnlineModel,
    private readonly config: WarmStartConfig,
    private readonly surface: string,
  ) {
    this.resolver = new CandidateResolver(catalog);
    this.state = new LoggedState(catalog.mirror, {
      sessionWindow: config.sessionWindow,
      sessionTtlMs: config.sessionTtlS * 1000,
      learningRate: config.learningRate,
    });
    this.scorer = new CandidateScorer(model.spec);
    this.shared = new Float32Array(model.spec.sharedDim);
    this.arm = new Float32Array(model.spec.armDim);
  }

  update(row: LoggedDecision) {
    // checkRows made sure every id resolves.
    const candidates = this.resolver.resolve(row.candidates) as Exclude<
      ReturnType<CandidateResolver["resolve"]>,
      { unknownId: string }
    >;
    const logged =
      row.candidates === null ? this.catalog.mirror.indexOf(row.itemId)! : candidates.ids.indexOf(row.itemId);
    const decision = new Decision(this.index++, row, candidates, logged, this.catalog, this.state);
    this.scorer.servedFeatures(decision.scoreRequest(), logged, this.shared, this.arm);
    const reward = row.reward === 0 ? this.config.defaultReward : row.reward;
    // examinedUpdate keeps the vectors it is given when the weight is 1: they must be copies.
    const served = { itemId: row.itemId, position: row.position, shared: this.shared.slice(), arm: this.arm.slice() };
    const update = examinedUpdate(served, reward, this.config.positionDiscount, this.surface);
    this.state.observe(row);
    return update;
  }
}

/**
 * Ids of warm-start rows: a digest of the row's content, numbered when the same content repeats, so a
 * second run over the same rows (or a file they were copied into) logs nothing twice.
 */
class RowIds {
  private readonly seen = new Map<string, number>();
  /** The id prefix: the same rows warm-start each surface once. */
  private readonly prefix: string;

  constructor(surface: string) {
    this.prefix = surface === DEFAULT_SURFACE ? WARM_START_PREFIX : `${WARM_START_PREFIX}${surface}:`;
  }

  next(row: LoggedDecision): string {
    const digest = createHash("sha256")
      .update(
        JSON.stringify([row.tsMs, row.userId, row.sessionId, row.context, row.candidates, row.itemId, row.position]),
      )
      .update(JSON.stringify([row.propensity, row.reward, row.rules ?? null]))
      .digest("hex")
      .slice(0, 32);
    const repeat = this.seen.get(digest) ?? 0;
    this.seen.set(digest, repeat + 1);
    return `${this.prefix}${digest}${repeat === 0 ? "" : `:${repeat}`}`;
  }
}
