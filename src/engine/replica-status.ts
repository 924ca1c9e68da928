import { statisticsChecksum } from "../bandit/statistics-checksum";
import { NotFound } from "../errors";
import type { EventLog } from "../state/ports";
import type { LogStatus } from "./metrics";
import type { StoreGuard } from "./store-guard";
import type { SurfaceModels } from "./surfaces";

/** What an operator compares across replicas, of one surface's model (`recs model status`). */
export interface ModelStatusOutput {
  surface: string;
  settingsVersion: number;
  alpha: number;
  epsilon: number;
  updateCount: number;
  checksum: string;
  logPosition: string;
  modelVersion: string;
  /** `HybridLinUCB.exportState` bytes, when asked for. */
  statistics: Uint8Array | null;
}

/**
 * One surface's model status: the update count, a checksum of the statistics (see `statisticsChecksum`),
 * the log position followed, and with `includeStatistics` the statistics. NOT_FOUND for a surface this
 * replica has not created.
 */
export function surfaceStatus(
  surfaces: SurfaceModels,
  surfaceName: string,
  logPosition: string,
  includeStatistics: boolean,
): ModelStatusOutput {
  const surface = surfaces.get(surfaceName);
  if (!surface)
    throw new NotFound(
      `surface "${surfaceName}" is not on this replica: it has had no request or logged update yet ` +
        `(surfaces here: ${surfaces
          .all()
          .map((s) => s.name)
          .join(", ")})`,
    );
  const model = surface.model;
  const statistics = model.bandit.exportState();
  return {
    surface: surface.name,
    settingsVersion: surface.settingsVersion,
    alpha: model.bandit.alpha,
    epsilon: surface.policy.epsilon,
    updateCount: model.updateCount,
    checksum: statisticsChecksum(statistics),
    logPosition,
    modelVersion: model.version,
    statistics: includeStatistics ? statistics : null,
  };
}

/** The model's log position, the log's newest and the other writers' updates between (replica agreement). */
export async function logStatus(
  events: EventLog,
  guard: StoreGuard,
  modelPosition: string,
  timeoutMs: number,
): Promise<LogStatus> {
  const [newestPosition, updatesPending] = await guard.run(
    "event_log",
    "log_status",
    () => Promise.all([events.latestSeq(), events.othersModelUpdateCount(modelPosition, events.writerId)]),
    timeoutMs,
  );
  return { modelPosition, newestPosition, updatesPending };
}
