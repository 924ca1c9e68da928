import type { ModelUpdate } from "../ports";
import { ByteReader, ByteWriter, CorruptValue } from "./binary-codec";

const FORMAT_VERSION = 1;

/** A batch of model updates as one blob: version, count, then per update id, reward and raw Float32 vectors. */
export function encodeModelUpdates(updates: readonly ModelUpdate[]): Buffer {
  const writer = new ByteWriter().u8(FORMAT_VERSION).u32(updates.length);
  for (const update of updates) writer.string(update.itemId).f64(update.reward).float32s(update.shared).float32s(update.arm);
  return writer.toBuffer();
}

/** Throws `CorruptValue` for anything `encodeModelUpdates` did not write. */
export function decodeModelUpdates(blob: Buffer): ModelUpdate[] {
  const reader = new ByteReader(blob);
  const version = reader.u8();
  if (version !== FORMAT_VERSION) throw new CorruptValue(`unknown model update format ${version}`);
  const count = reader.u32();
  const updates: ModelUpdate[] = [];
  for (let i = 0; i < count; i++) {
    const itemId = reader.string();
    const reward = reader.f64();
    if (!Number.isFinite(reward)) throw new CorruptValue("reward is not a finite number");
    updates.push({ itemId, reward, shared: reader.float32s(), arm: reader.float32s() });
  }
  reader.end();
  return updates;
}
