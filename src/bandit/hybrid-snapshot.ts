import { ByteReader, ByteWriter, SNAPSHOT_REMEDY } from "../binary-codec";
import { ArmStats } from "./hybrid-arm";

const MAGIC = "recs.hybrid-linucb.v1";

/** The hybrid model's configuration as stored in a snapshot. */
export interface HybridSnapshotOptions {
  sharedDim: number;
  armDim: number;
  alpha: number;
  lambda: number;
  refreshEvery: number;
  maxArms: number;
}

/** What a hybrid snapshot holds: configuration, A0, b0 and every held item's sums, oldest update first. */
export interface HybridSnapshot {
  options: HybridSnapshotOptions;
  updateCount: number;
  a0: Float64Array;
  b0: Float64Array;
  arms: Map<string, ArmStats>;
}

/** Encodes a hybrid model's statistics (inverses are not stored: they are recomputed on load). */
export function encodeHybridState(state: HybridSnapshot): Uint8Array {
  const { options } = state;
  const writer = new ByteWriter();
  writer.string(MAGIC);
  writer.u32(options.sharedDim);
  writer.u32(options.armDim);
  writer.f64(options.alpha);
  writer.f64(options.lambda);
  writer.u32(options.refreshEvery);
  writer.u32(options.maxArms);
  writer.f64(state.updateCount);
  writer.f64s(state.a0);
  writer.f64s(state.b0);
  writer.u32(state.arms.size);
  for (const [itemId, arm] of state.arms) {
    writer.string(itemId);
    writer.f64(arm.updates);
    writer.f64s(arm.a);
    writer.f64s(arm.bMatrix);
    writer.f64s(arm.b);
  }
  return writer.toBytes();
}

/** Decodes `encodeHybridState` output; throws a message saying what is wrong with a damaged snapshot. */
export function decodeHybridState(bytes: Uint8Array): HybridSnapshot {
  const reader = new ByteReader(bytes, "HybridLinUCB snapshot", SNAPSHOT_REMEDY);
  const magic = reader.string();
  if (magic !== MAGIC) throw new Error(`HybridLinUCB snapshot: format "${magic}" is not "${MAGIC}"`);
  const options: HybridSnapshotOptions = {
    sharedDim: reader.u32(),
    armDim: reader.u32(),
    alpha: reader.f64(),
    lambda: reader.f64(),
    refreshEvery: reader.u32(),
    maxArms: reader.u32(),
  };
  const n = options.sharedDim;
  const k = options.armDim;
  const updateCount = reader.f64();
  const a0 = reader.f64s(n * n);
  const b0 = reader.f64s(n);
  const armCount = reader.u32();
  const arms = new Map<string, ArmStats>();
  for (let i = 0; i < armCount; i++) {
    const itemId = reader.string();
    const arm = new ArmStats(k, n, options.lambda);
    arm.updates = reader.f64();
    arm.a.set(reader.f64s(k * k));
    arm.bMatrix.set(reader.f64s(k * n));
    arm.b.set(reader.f64s(k));
    arm.refresh();
    arms.set(itemId, arm);
  }
  reader.end();
  return { options, updateCount, a0, b0, arms };
}
