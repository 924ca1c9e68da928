import { HybridLinUCB } from "../bandit/hybrid";
import { featureLayout, SIGNALS, type FeatureSpec } from "../bandit/features";
import type { ModelUpdate } from "../state/ports";

/**
 * Hashed context×item buckets in φ. 16 folded ~30 crosses into each bucket and the model learned little
 * of the context × attribute effects; 64 learns them (`recs simulate`), at ~2.5× the scoring work.
 */
export const HASH_BUCKETS = 64;

/** Scale of the arm features (`FeatureSpec.armScale`): 0.3 and 0.15 tried in `recs simulate`, 0.15 learned faster. */
export const ARM_FEATURE_SCALE = 0.15;

/**
 * What a fresh model believes before any feedback: that an item like the session's items, or like the
 * shopper's long-term profile, is more likely to be clicked. `session` is the prior mean weight on each
 * of φ's session similarities (s·v, the session's share of the item's category, s·category mean),
 * `longTerm` on each long-term one (l·v, l·category mean), `popularity` on the item's organic popularity
 * lift (shoppers' own picks of it against its category's average); `strength` is the ridge λ, how many
 * observations' worth the prior counts. Feedback then corrects the weights, world by world.
 * Defaults chosen over `recs simulate --worlds` (docs/learning.md).
 */
export interface ModelPrior {
  session: number;
  longTerm: number;
  popularity: number;
  strength: number;
}

export const DEFAULT_PRIOR: Readonly<ModelPrior> = Object.freeze({
  session: 0.1,
  longTerm: 0.05,
  popularity: 0.03,
  strength: 20,
});

export interface ModelOptions {
  dim: number;
  alpha: number;
  /** Default DEFAULT_PRIOR. */
  prior?: ModelPrior;
  useSession?: boolean;
  useLongTerm?: boolean;
  maxArms?: number;
  /** The surface the model serves (its version names it); default "default". */
  surface?: string;
}

/** The surface a request with an empty `surface` uses. */
export const DEFAULT_SURFACE = "default";

const SNAPSHOT_MAGIC = 0x52454353; // "RECS"

/**
 * The served model: hybrid LinUCB over the feature layout φ, with this replica's own updates queued
 * for publication to the others. Its version names the number of updates it holds.
 */
export class OnlineModel {
  readonly spec: FeatureSpec;
  private outgoing: ModelUpdate[] = [];
  /** What `version` adds after the update count: "" for the default surface, "@<surface>" for others. */
  private readonly versionSuffix: string;

  private constructor(
    readonly bandit: HybridLinUCB,
    spec: FeatureSpec,
    readonly surface: string,
  ) {
    this.spec = spec;
    this.versionSuffix = surface === DEFAULT_SURFACE ? "" : `@${surface}`;
  }

  static create(options: ModelOptions): OnlineModel {
    const spec = featureLayout({
      dim: options.dim,
      hashBuckets: HASH_BUCKETS,
      useSession: options.useSession,
      useLongTerm: options.useLongTerm,
      armScale: ARM_FEATURE_SCALE,
    });
    const prior = options.prior ?? DEFAULT_PRIOR;
    const bandit = new HybridLinUCB({
      sharedDim: spec.sharedDim,
      armDim: spec.armDim,
      alpha: options.alpha,
      lambda: prior.strength,
      maxArms: options.maxArms,
      priorMean: priorMean(spec, prior),
    });
    return new OnlineModel(bandit, spec, options.surface ?? DEFAULT_SURFACE);
  }

  /**
   * A short, monotonic name for the model's state: it changes with every update. It names the surface:
   * `hlinucb-d32-u120` on the default surface (the format from before surfaces), `hlinucb-d32-u7@home`
   * on surface "home".
   */
  get version(): string {
    return `hlinucb-d${this.spec.dim}-u${this.bandit.updateCount}${this.versionSuffix}`;
  }

  /**
   * The number of updates a `version` names (updates of its surface's model), or null when it is not
   * one of this class's names.
   */
  static updatesOfVersion(version: string): number | null {
    const match = VERSION.exec(version);
    return match ? Number(match[1]) : null;
  }

  /** The surface a `version` names: "default" for a version without one (or not one of this class's names). */
  static surfaceOfVersion(version: string): string {
    return VERSION.exec(version)?.[2] ?? DEFAULT_SURFACE;
  }

  get updateCount(): number {
    return this.bandit.updateCount;
  }

  /** Applies an update made by this replica and queues it for the other replicas. */
  applyLocal(update: ModelUpdate): void {
    this.apply(update);
    if (this.outgoing.length < 100_000) this.outgoing.push(update);
  }

  /** Applies an update made elsewhere (another replica, or the log on replay). Malformed ones are skipped. */
  apply(update: ModelUpdate): boolean {
    if (update.shared.length !== this.spec.sharedDim || update.arm.length !== this.spec.armDim) return false;
    this.bandit.update(update.itemId, update.shared, update.arm, update.reward);
    return true;
  }

  /**
   * Takes back updates applied before, with the same inputs (DeleteUser; `HybridLinUCB.remove`).
   * Malformed ones are skipped. Returns how many were taken back.
   */
  remove(updates: readonly ModelUpdate[]): number {
    const fitting = updates.filter((u) => u.shared.length === this.spec.sharedDim && u.arm.length === this.spec.armDim);
    return this.bandit.remove(fitting.map((u) => ({ itemId: u.itemId, z: u.shared, x: u.arm, reward: u.reward })));
  }

  /** This replica's updates since the last call, to publish. */
  takeOutgoing(): ModelUpdate[] {
    const out = this.outgoing;
    this.outgoing = [];
    return out;
  }

  /** The model's statistics with a header naming the layout they belong to. */
  exportSnapshot(): Uint8Array {
    const state = this.bandit.exportState();
    const out = new Uint8Array(16 + state.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, SNAPSHOT_MAGIC);
    view.setUint32(4, this.spec.dim);
    view.setUint32(8, this.spec.hashBuckets);
    view.setUint32(12, this.spec.armDim);
    out.set(state, 16);
    return out;
  }

  /**
   * A model from a snapshot, or null when the snapshot was made for another layout (for example
   * RECS_EMBEDDING_DIM changed): such a model cannot score today's features.
   */
  static fromSnapshot(bytes: Uint8Array, options: ModelOptions): OnlineModel | null {
    if (bytes.length < 16) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0) !== SNAPSHOT_MAGIC || view.getUint32(4) !== options.dim || view.getUint32(8) !== HASH_BUCKETS)
      return null;
    const fresh = OnlineModel.create(options);
    if (view.getUint32(12) !== fresh.spec.armDim) return null;
    const bandit = HybridLinUCB.fromState(bytes.subarray(16));
    if (bandit.sharedDim !== fresh.spec.sharedDim) return null;
    return new OnlineModel(bandit, fresh.spec, fresh.surface);
  }
}

/** `OnlineModel.version`: dimension, update count, and "@surface" off the default surface. */
const VERSION = /^hlinucb-d\d+-u(\d+)(?:@([a-z0-9_-]{1,64}))?$/;

/** μ0 over φ's shared part: the prior's weights on the similarity features (of parts that are on), 0 elsewhere. */
export function priorMean(spec: FeatureSpec, prior: ModelPrior): Float64Array {
  const mean = new Float64Array(spec.sharedDim);
  mean[spec.signalOffset + SIGNALS.popularityLift] = prior.popularity;
  if (spec.useSession) {
    mean[spec.similarityOffset] = prior.session;
    mean[spec.signalOffset + SIGNALS.sessionCategory] = prior.session;
    mean[spec.signalOffset + SIGNALS.sessionCentroid] = prior.session;
  }
  if (spec.useLongTerm) {
    mean[spec.similarityOffset + 1] = prior.longTerm;
    mean[spec.signalOffset + SIGNALS.longTermCentroid] = prior.longTerm;
  }
  return mean;
}
