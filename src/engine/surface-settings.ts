import { z } from "zod";
import { InvalidArgument } from "../errors";
import type { Logger } from "../log";
import type { SettingsStore, SurfaceSettingsRecord } from "../state/ports";
import type { SurfaceModels, SurfacePolicy } from "./surfaces";

/** A settings record's JSON: every setting a surface has, each in the range its environment variable allows. */
const SETTINGS = z
  .object({
    /** RECS_ALPHA's range. */
    alpha: z.number().min(0).max(100),
    /** RECS_EPSILON's range. */
    epsilon: z.number().min(0).max(1),
    /** Feature switches (`StateSwitches`); absent = on. */
    session: z.boolean().optional(),
    longTerm: z.boolean().optional(),
    /** A request's max_per_category range; absent or 0 = no cap unless the request sets one. */
    maxPerCategory: z.number().int().min(0).max(100).optional(),
  })
  .strict();

/** A record's settings, checked; InvalidArgument saying what is wrong otherwise. */
export function parseSurfaceSettings(json: unknown): SurfacePolicy {
  const parsed = SETTINGS.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new InvalidArgument(
    `settings ${JSON.stringify(json)}: ${issue.path.join(".") || "record"} ${issue.message} ` +
      "(a record holds alpha in [0, 100], epsilon in [0, 1], optionally session and longTerm true or false " +
      "and maxPerCategory a whole number in [0, 100])",
  );
}

/** Records read per page. */
const PAGE = 1_000;

/**
 * Keeps a replica's surfaces on their newest settings records (`surface_settings`): reads the records
 * after the last one it applied, in order, and sets each surface's settings (a surface not created yet
 * gets them when it is). Records are append-only and commit in id order, so each is read once. A record
 * that does not parse is logged and skipped: the surface keeps the settings it had.
 */
export class SettingsFollower {
  private lastId = "0";
  private running: Promise<number> | null = null;

  constructor(
    private readonly store: SettingsStore,
    private readonly surfaces: SurfaceModels,
    private readonly log: Logger,
  ) {}

  /** Applies the records written since the last call; returns how many it applied. Overlapping calls share one read. */
  catchUp(): Promise<number> {
    this.running ??= this.read().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async read(): Promise<number> {
    let applied = 0;
    for (;;) {
      const page = await this.store.since(this.lastId, PAGE);
      for (const record of page) {
        if (this.applyRecord(record)) applied++;
        this.lastId = record.id;
      }
      if (page.length < PAGE) return applied;
    }
  }

  private applyRecord(record: SurfaceSettingsRecord): boolean {
    let policy: SurfacePolicy;
    try {
      policy = parseSurfaceSettings(record.settings);
    } catch (err) {
      this.log.warn(
        { surface: record.surface, version: record.version, err },
        "settings record does not parse; the surface keeps its settings",
      );
      return false;
    }
    this.surfaces.setPolicy(record.surface, policy, record.version);
    this.log.info({ surface: record.surface, version: record.version, ...policy }, "surface settings applied");
    return true;
  }
}
