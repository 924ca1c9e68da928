import type { ModelUpdate } from "../ports";
import { ByteReader, ByteWriter, CorruptValue } from "../../binary-codec";

const FORMAT_VERSION = 1;

/** A batch of model updates as one blob: version, count, then per update id, reward and raw Float32 vectors. */
export function encodeModelUpdates(updates: readonly ModelUpdate[]): Buffer {
  let size = 16;
  for (const update of updates) size += 24 + 3 * update.itemId.length + 4 * (update.shared.length + update.arm.length);
  const writer = new ByteWriter(size).u8(FORMAT_VERSION).u32(updates.length);
  for (const update of updates)
    writer.string(update.itemId).f64(update.reward).float32s(update.shared).float32s(update.arm);
  return writer.toBuffer();
}

/** Throws `CorruptValue` for anything `encodeModelUpdates` did not write. */
export function decodeModelUpdates(blob: Buffer): ModelUpdate[] {
  const reader = new ByteReader(blob);
  const version = reader.u8();
  if (version !== FORMAT_VERSION) throw new CorruptValue(`unknown model update format ${version}`);
  const count = reader.u32();
  const updates: ModelUpdate[] = [];
  // Every update's vectors are views of one array: one allocation per batch.
  const floats = reader.floatsRoom();
  for (let i = 0; i < count; i++) {
    const itemId = reader.string();
    const reward = reader.f64();
    if (!Number.isFinite(reward)) throw new CorruptValue("reward is not a finite number");
    updates.push({ itemId, reward, shared: reader.float32s(floats), arm: reader.float32s(floats) });
  }
  reader.end();
  return updates;
}
