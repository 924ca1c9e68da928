import { describe, expect, it } from "vitest";
import type { ModelUpdate, ServingContext } from "../../src/state/ports";
import { ByteReader, ByteWriter, CorruptValue } from "../../src/binary-codec";
import { decodeModelUpdates, encodeModelUpdates } from "../../src/state/redis/model-update-codec";
import {
  decodeServedItem,
  decodeServingContext,
  encodeServingContext,
} from "../../src/state/redis/serving-context-codec";

/** φ of `slots` slots as the ranker serves them: views into one array, each at its own offset. */
function servedVectors(slots: number, dim: number, seed: number): Float32Array[] {
  const all = new Float32Array(slots * dim);
  for (let i = 0; i < all.length; i++) all[i] = Math.sin(seed + i) * 1e3 + 1 / (i + 1);
  return Array.from({ length: slots }, (_, s) => all.subarray(s * dim, (s + 1) * dim));
}

function context(slots: number): ServingContext {
  const shared = servedVectors(slots, 132, 1);
  const arm = servedVectors(slots, 3, 2);
  return {
    recommendationId: "rec-1",
    userId: "ユーザー-7",
    sessionId: "sess-é",
    modelVersion: "v3-42",
    servedAtMs: 1_796_000_000_123,
    items: shared.map((vector, position) => ({
      itemId: `item-${position}-ß`,
      position,
      propensity: 0.9 - position / 100,
      shared: vector,
      arm: arm[position]!,
    })),
  };
}

describe("binary codec", () => {
  it("round-trips a served context exactly, each slot's vectors from its own offset of a shared array", () => {
    const served = context(10);
    const decoded = decodeServingContext("rec-1", encodeServingContext(served));
    expect(decoded).toEqual(served);
    // Bit for bit, and not the neighbouring slot's values.
    for (let i = 0; i < served.items.length; i++) {
      expect(Array.from(decoded.items[i]!.shared)).toEqual(Array.from(served.items[i]!.shared));
      expect(decoded.items[i]!.shared[0]).not.toBe(served.items[(i + 1) % served.items.length]!.shared[0]);
    }
  });

  it("reads one served slot exactly, stepping over the others, and null for an item not served", () => {
    const served = context(10);
    const blob = encodeServingContext(served);
    for (const position of [0, 4, 9]) {
      const { item: slot, modelVersion } = decodeServedItem(blob, `item-${position}-ß`);
      expect(modelVersion).toBe(served.modelVersion);
      expect(slot).toEqual(served.items[position]);
      expect(Array.from(slot!.shared)).toEqual(Array.from(served.items[position]!.shared));
      expect(Array.from(slot!.arm)).toEqual(Array.from(served.items[position]!.arm));
    }
    expect(decodeServedItem(blob, "item-10-ß").item).toBeNull();
    // A slate that holds an item twice: the first slot, as items.find picks.
    const twice = { ...served, items: [served.items[3]!, { ...served.items[3]!, position: 7 }] };
    expect(decodeServedItem(encodeServingContext(twice), "item-3-ß").item?.position).toBe(3);
  });

  it("grows past its first size and past a wrong size hint", () => {
    const big = context(200); // ~110 KB
    expect(decodeServingContext("rec-1", encodeServingContext(big))).toEqual(big);
    const writer = new ByteWriter(16);
    const text = "€".repeat(5_000); // 3 bytes each in UTF-8
    writer
      .u8(7)
      .string(text)
      .f64(-0.5)
      .float32s(new Float32Array([1.5, -2, 3.25]))
      .u32(0xffffffff);
    const bytes = writer.toBuffer();
    expect(bytes.length).toBe(1 + 4 + 15_000 + 8 + 4 + 12 + 4);
    const reader = new ByteReader(bytes);
    expect(reader.u8()).toBe(7);
    expect(reader.string()).toBe(text);
    expect(reader.f64()).toBe(-0.5);
    expect(Array.from(reader.float32s())).toEqual([1.5, -2, 3.25]);
    expect(reader.u32()).toBe(0xffffffff);
    reader.end();
  });

  it("round-trips a batch of model updates", () => {
    const shared = servedVectors(3, 132, 5);
    const updates: ModelUpdate[] = shared.map((vector, i) => ({
      itemId: `i${i}`,
      reward: i - 1,
      shared: vector,
      arm: new Float32Array([1, i, -i]),
    }));
    expect(decodeModelUpdates(encodeModelUpdates(updates))).toEqual(updates);
    expect(decodeModelUpdates(encodeModelUpdates([]))).toEqual([]);
  });

  it("reads a truncated, padded, foreign-version or non-UTF-8 value as corrupt", () => {
    const blob = encodeServingContext(context(2));
    expect(() => decodeServingContext("r", blob.subarray(0, blob.length - 1))).toThrow(CorruptValue);
    expect(() => decodeServingContext("r", Buffer.concat([blob, Buffer.from([0])]))).toThrow(/trailing bytes/);
    const foreign = Buffer.from(blob);
    foreign[0] = 99;
    expect(() => decodeServingContext("r", foreign)).toThrow(/unknown serving context format 99/);
    // A slot read checks the whole value too, even when the item is in the first slot.
    expect(() => decodeServedItem(blob.subarray(0, blob.length - 1), "item-0-ß")).toThrow(CorruptValue);
    expect(() => decodeServedItem(Buffer.concat([blob, Buffer.from([0])]), "item-0-ß")).toThrow(/trailing bytes/);
    expect(() => decodeServedItem(foreign, "item-0-ß")).toThrow(/unknown serving context format 99/);
    const badText = new ByteWriter().u32(2).toBuffer();
    expect(() => new ByteReader(Buffer.concat([badText, Buffer.from([0xc3, 0x28])])).string()).toThrow(/invalid UTF-8/);
    expect(() => new ByteReader(Buffer.from([1, 0, 0])).u32()).toThrow(
      /^value is truncated: wanted 4 bytes at 0 of 3$/,
    );
  });

  it("writes float64 runs bit for bit and reads from a plain Uint8Array view, naming what failed", () => {
    const values = Float64Array.of(Math.PI, -0, Number.MIN_VALUE, 1e300);
    const bytes = new ByteWriter().string("m").f64s(values).u32(7).toBytes();
    expect(Buffer.isBuffer(bytes)).toBe(false);
    // A view at an offset of a larger array, as a database driver may hand it over.
    const framed = new Uint8Array(bytes.length + 3);
    framed.set(bytes, 3);
    const reader = new ByteReader(framed.subarray(3), "test snapshot");
    expect(reader.string()).toBe("m");
    expect(Array.from(reader.f64s(4))).toEqual(Array.from(values));
    expect(reader.u32()).toBe(7);
    reader.end();
    expect(() => new ByteReader(bytes.subarray(0, 20), "test snapshot", "load an older one").f64s(4)).toThrow(
      /^test snapshot is truncated: wanted 32 bytes at 0 of 20; load an older one$/,
    );
  });
});
