/**
 * The one little-endian byte writer and reader behind every binary value the service keeps: model
 * snapshots (src/bandit, stored in Postgres), serving contexts and model update batches (the Redis
 * stores). Strings are length-prefixed UTF-8; float32 vectors are length-prefixed raw bytes and float64
 * runs raw values (their length is the format's business), so numbers round-trip exactly.
 */

import { readFloat32LE, writeFloat32LE } from "./float32-bytes";

/** A stored value that cannot be decoded; the Redis stores treat it as missing, a damaged snapshot stops the start. */
export class CorruptValue extends Error {
  override name = "CorruptValue";
}

/** What a model snapshot that does not decode calls for: the `remedy` its readers give. */
export const SNAPSHOT_REMEDY = "the snapshot is damaged or was written by an incompatible version: load an older one";

/**
 * Writes into one buffer that doubles when full, so a value costs one allocation and one copy at the end,
 * not a Buffer per field (a serving context has about ninety fields).
 */
export class ByteWriter {
  private bytes: Buffer;
  private offset = 0;

  constructor(initialBytes = 1024) {
    this.bytes = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  u8(value: number): this {
    this.offset = this.room(1).writeUInt8(value, this.offset);
    return this;
  }

  u32(value: number): this {
    this.offset = this.room(4).writeUInt32LE(value, this.offset);
    return this;
  }

  f64(value: number): this {
    this.offset = this.room(8).writeDoubleLE(value, this.offset);
    return this;
  }

  string(value: string): this {
    // Reserve the most UTF-8 bytes the string can take, write it, then put its real length before it.
    const at = this.offset;
    const bytes = this.room(4 + 3 * value.length);
    const length = bytes.write(value, at + 4, "utf8");
    bytes.writeUInt32LE(length, at);
    this.offset = at + 4 + length;
    return this;
  }

  /** The values as they are, no length: the reader must know how many to read. */
  f64s(values: Float64Array): this {
    const bytes = this.room(values.length * 8);
    for (let i = 0; i < values.length; i++) bytes.writeDoubleLE(values[i]!, this.offset + i * 8);
    this.offset += values.length * 8;
    return this;
  }

  float32s(vector: Float32Array): this {
    this.u32(vector.length);
    const bytes = this.room(vector.length * 4);
    writeFloat32LE(vector, bytes, this.offset);
    this.offset += vector.length * 4;
    return this;
  }

  /** A copy of what was written, sized to it. */
  toBuffer(): Buffer {
    return Buffer.from(this.bytes.subarray(0, this.offset));
  }

  /** A copy of what was written as a plain Uint8Array (what the snapshot store keeps). */
  toBytes(): Uint8Array {
    return new Uint8Array(this.bytes.subarray(0, this.offset));
  }

  /** The buffer, grown (doubling) until `count` more bytes fit after the offset. */
  private room(count: number): Buffer {
    const needed = this.offset + count;
    if (needed > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < needed) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.bytes.copy(grown, 0, 0, this.offset);
      this.bytes = grown;
    }
    return this.bytes;
  }
}

/**
 * Reads by offset from the one buffer: no slice per field. Every read is bounds-checked; a value that
 * ends early or has bytes left over throws CorruptValue naming `what` and ending with `remedy`.
 */
export class ByteReader {
  private offset = 0;
  private readonly bytes: Buffer;

  constructor(
    bytes: Uint8Array,
    private readonly what = "value",
    private readonly remedy = "",
  ) {
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(): number {
    return this.bytes.readUInt8(this.take(1));
  }

  u32(): number {
    return this.bytes.readUInt32LE(this.take(4));
  }

  f64(): number {
    return this.bytes.readDoubleLE(this.take(8));
  }

  string(): string {
    const length = this.u32();
    const at = this.take(length);
    const text = this.bytes.toString("utf8", at, at + length);
    // A lossy decode means the bytes were never UTF-8 we wrote.
    if (Buffer.byteLength(text, "utf8") !== length) throw this.corrupt("has an invalid UTF-8 string");
    return text;
  }

  /** `count` float64 values (as `f64s` wrote them) into a new array. */
  f64s(count: number): Float64Array {
    const at = this.take(count * 8);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.bytes.readDoubleLE(at + i * 8);
    return out;
  }

  /**
   * A vector as a new array, or, given `into`, as a view of it at `into.at` (which moves past it): one
   * value's vectors can share one allocation (into.array must have room; `floatsRoom` gives enough).
   */
  float32s(into?: { array: Float32Array; at: number }): Float32Array {
    const length = this.u32();
    const at = this.take(length * 4);
    let vector: Float32Array;
    if (into) {
      if (into.at + length > into.array.length)
        throw this.corrupt(`has ${length} floats where ${into.array.length - into.at} fit`);
      vector = into.array.subarray(into.at, into.at + length);
      into.at += length;
    } else vector = new Float32Array(length);
    readFloat32LE(this.bytes, at, vector);
    return vector;
  }

  /** Steps over a vector `float32s` would read, copying nothing. */
  skipFloat32s(): void {
    this.take(this.u32() * 4);
  }

  /** Room for every float32 vector still unread: no more than a quarter of the bytes left. */
  floatsRoom(): { array: Float32Array; at: number } {
    return { array: new Float32Array(Math.floor((this.bytes.length - this.offset) / 4)), at: 0 };
  }

  /** Throws unless every byte was read: trailing bytes mean a value of another shape. */
  end(): void {
    if (this.offset !== this.bytes.length) throw this.corrupt(`has ${this.bytes.length - this.offset} trailing bytes`);
  }

  /** The offset of the next `length` bytes, which are then read. */
  private take(length: number): number {
    if (!Number.isSafeInteger(length) || this.offset + length > this.bytes.length) {
      throw this.corrupt(`is truncated: wanted ${length} bytes at ${this.offset} of ${this.bytes.length}`);
    }
    const at = this.offset;
    this.offset += length;
    return at;
  }

  private corrupt(problem: string): CorruptValue {
    return new CorruptValue(`${this.what} ${problem}${this.remedy === "" ? "" : `; ${this.remedy}`}`);
  }
}
