import { InvalidArgument, ResourceExhausted } from "../errors";
import type { ModelUpdate } from "../state/ports";
import { DEFAULT_SURFACE, OnlineModel, type ModelOptions } from "./model";
import type { StateSwitches } from "./state-switches";

export { DEFAULT_SURFACE };

/** What a surface name may be: 1..64 bytes of [a-z0-9_-]. */
const SURFACE_NAME = /^[a-z0-9_-]{1,64}$/;

/** The surface a request names, checked: "" is "default"; else 1..64 bytes of [a-z0-9_-]. */
export function checkSurface(field: string, value: string): string {
  if (value === "") return DEFAULT_SURFACE;
  if (!SURFACE_NAME.test(value))
    throw new InvalidArgument(
      `${field} must be 1..64 characters of a-z, 0-9, _ and - (empty means "default"), got ${JSON.stringify(
        value.length > 80 ? `${value.slice(0, 80)}...` : value,
      )}`,
    );
  return value;
}

/** A surface's policy settings: what a settings record (`surface_settings`) sets; env gives the defaults. */
export interface SurfacePolicy extends StateSwitches {
  /** LinUCB exploration width α. */
  alpha: number;
  /** Probability that a slot is filled uniformly at random. */
  epsilon: number;
  /** The category cap of a request that sets none (0 or absent: none). */
  maxPerCategory?: number;
}

/** One surface: its model and the exploration settings it serves with. */
export interface Surface {
  readonly name: string;
  readonly model: OnlineModel;
  /** The settings in force (the surface's newest settings record, else the environment's). */
  policy: SurfacePolicy;
  /** The settings record in force (0 = none: the environment's defaults). */
  settingsVersion: number;
}

/**
 * The surfaces of one replica, each with its own model (statistics, version, snapshots) and settings.
 * Model updates are routed by their `surface`; a surface is created on first use: by a request up to
 * `maxSurfaces` (then RESOURCE_EXHAUSTED), and always for an update another replica logged (it was
 * created there within the same limit), so replicas following the log hold the same surfaces.
 */
export class SurfaceModels {
  private readonly surfaces = new Map<string, Surface>();
  /** Settings of surfaces not created yet, applied when they are. */
  private readonly pendingPolicies = new Map<string, { policy: SurfacePolicy; version: number }>();

  constructor(
    /** Every surface's model layout; alpha is the environment's default. */
    private readonly modelOptions: ModelOptions,
    private readonly defaultPolicy: SurfacePolicy,
    readonly maxSurfaces: number,
    restored: Iterable<OnlineModel> = [],
  ) {
    for (const model of restored) this.add(model);
    if (!this.surfaces.has(DEFAULT_SURFACE)) this.create(DEFAULT_SURFACE);
  }

  /** The default surface (always present). */
  get defaultSurface(): Surface {
    return this.surfaces.get(DEFAULT_SURFACE)!;
  }

  get(name: string): Surface | undefined {
    return this.surfaces.get(name);
  }

  /** The surface a request names, created if new and there is room (else RESOURCE_EXHAUSTED). */
  forRequest(name: string): Surface {
    const known = this.surfaces.get(name);
    if (known) return known;
    if (this.surfaces.size >= this.maxSurfaces)
      throw new ResourceExhausted(
        `surface "${name}" would be surface ${this.surfaces.size + 1}, and RECS_MAX_SURFACES is ` +
          `${this.maxSurfaces}: use one of the existing surfaces (${[...this.surfaces.keys()].join(", ")}) ` +
          "or raise RECS_MAX_SURFACES on every replica",
      );
    return this.create(name);
  }

  /** The model an update trains, its surface created if this replica has not met it yet. */
  modelOf(update: Pick<ModelUpdate, "surface">): OnlineModel {
    const name = update.surface ?? DEFAULT_SURFACE;
    return (this.surfaces.get(name) ?? this.create(name)).model;
  }

  /** Every surface, in creation order. */
  all(): Surface[] {
    return [...this.surfaces.values()];
  }

  get size(): number {
    return this.surfaces.size;
  }

  /** Updates held over every surface. */
  get updateCount(): number {
    let count = 0;
    for (const surface of this.surfaces.values()) count += surface.model.updateCount;
    return count;
  }

  /** Sets a surface's settings (a settings record), now or when the surface is created. */
  setPolicy(name: string, policy: SurfacePolicy, version: number): void {
    const surface = this.surfaces.get(name);
    if (!surface) {
      this.pendingPolicies.set(name, { policy, version });
      return;
    }
    surface.policy = policy;
    surface.settingsVersion = version;
    surface.model.bandit.setAlpha(policy.alpha);
  }

  /** Applies an update made by this replica (and queues it for the others) to its surface's model. */
  applyLocal(update: ModelUpdate): void {
    this.modelOf(update).applyLocal(update);
  }

  /** Applies an update made elsewhere to its surface's model; false when malformed (skipped). */
  apply(update: ModelUpdate): boolean {
    return this.modelOf(update).apply(update);
  }

  /** Takes back updates, each from its surface's model (`OnlineModel.remove`); returns how many. */
  remove(updates: readonly ModelUpdate[]): number {
    const bySurface = new Map<OnlineModel, ModelUpdate[]>();
    for (const update of updates) {
      const model = this.modelOf(update);
      const list = bySurface.get(model);
      if (list) list.push(update);
      else bySurface.set(model, [update]);
    }
    let removed = 0;
    for (const [model, list] of bySurface) removed += model.remove(list);
    return removed;
  }

  /** Every surface's updates made here since the last call, to publish. */
  takeOutgoing(): ModelUpdate[] {
    const out: ModelUpdate[] = [];
    for (const surface of this.surfaces.values()) for (const update of surface.model.takeOutgoing()) out.push(update);
    return out;
  }

  private create(name: string): Surface {
    return this.add(OnlineModel.create({ ...this.modelOptions, surface: name }));
  }

  private add(model: OnlineModel): Surface {
    const surface: Surface = { name: model.surface, model, policy: this.defaultPolicy, settingsVersion: 0 };
    this.surfaces.set(model.surface, surface);
    // A restored model keeps the α it was saved with unless a settings record says otherwise: the
    // environment's α then applies, as to a new model.
    const pending = this.pendingPolicies.get(model.surface);
    this.pendingPolicies.delete(model.surface);
    if (pending) this.setPolicy(model.surface, pending.policy, pending.version);
    else model.bandit.setAlpha(this.defaultPolicy.alpha);
    return surface;
  }
}
