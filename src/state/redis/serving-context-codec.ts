import type { ServedItem, ServingContext } from "../ports";
import { ByteReader, ByteWriter, CorruptValue } from "../../binary-codec";

/** Bumped when the layout changes; a blob of another version reads as corrupt (and so as missing). */
const FORMAT_VERSION = 1;

/**
 * Serving context as a compact blob: version, served-at time, ids, then per item its id, position,
 * propensity and the two feature vectors as raw Float32 bytes. The recommendation id is the key, so it is
 * not repeated inside.
 */
export function encodeServingContext(context: ServingContext): Buffer {
  let size = 64 + 3 * (context.userId.length + context.sessionId.length + context.modelVersion.length);
  for (const item of context.items) size += 32 + 3 * item.itemId.length + 4 * (item.shared.length + item.arm.length);
  const writer = new ByteWriter(size)
    .u8(FORMAT_VERSION)
    .f64(context.servedAtMs)
    .string(context.userId)
    .string(context.sessionId)
    .string(context.modelVersion)
    .u32(context.items.length);
  for (const item of context.items) {
    writer.string(item.itemId).u32(item.position).f64(item.propensity).float32s(item.shared).float32s(item.arm);
  }
  return writer.toBuffer();
}

/** The fields before the items, checked; the reader is left at the first item. */
function readHead(reader: ByteReader): {
  servedAtMs: number;
  userId: string;
  sessionId: string;
  modelVersion: string;
  count: number;
} {
  const version = reader.u8();
  if (version !== FORMAT_VERSION) throw new CorruptValue(`unknown serving context format ${version}`);
  const servedAtMs = reader.f64();
  if (!Number.isFinite(servedAtMs)) throw new CorruptValue("served-at time is not a number");
  return {
    servedAtMs,
    userId: reader.string(),
    sessionId: reader.string(),
    modelVersion: reader.string(),
    count: reader.u32(),
  };
}

/** Throws `CorruptValue` for anything `encodeServingContext` did not write. */
export function decodeServingContext(recommendationId: string, blob: Buffer): ServingContext {
  const reader = new ByteReader(blob);
  const { servedAtMs, userId, sessionId, modelVersion, count } = readHead(reader);
  const items: ServingContext["items"] = [];
  // The items' vectors are views of one array: one allocation per context instead of two per item.
  const floats = reader.floatsRoom();
  for (let i = 0; i < count; i++) {
    items.push({
      itemId: reader.string(),
      position: reader.u32(),
      propensity: reader.f64(),
      shared: reader.float32s(floats),
      arm: reader.float32s(floats),
    });
  }
  reader.end();
  return { recommendationId, userId, sessionId, modelVersion, servedAtMs, items };
}

/**
 * The slot `itemId` was served in (the first, as `items.find` would pick), or null when it was not
 * served. Only that slot's vectors are copied out: the others are stepped over, which is most of the
 * blob. The whole blob is still checked as `decodeServingContext` checks it; throws `CorruptValue` alike.
 * Also returns the context's model version (it names the surface the reward trains).
 */
export function decodeServedItem(blob: Buffer, itemId: string): { item: ServedItem | null; modelVersion: string } {
  const reader = new ByteReader(blob);
  const { count, modelVersion } = readHead(reader);
  let found: ServedItem | null = null;
  for (let i = 0; i < count; i++) {
    const slotItemId = reader.string();
    const position = reader.u32();
    const propensity = reader.f64();
    if (found === null && slotItemId === itemId) {
      found = { itemId, position, propensity, shared: reader.float32s(), arm: reader.float32s() };
    } else {
      reader.skipFloat32s();
      reader.skipFloat32s();
    }
  }
  reader.end();
  return { item: found, modelVersion };
}
