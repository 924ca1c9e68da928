/**
 * Little-endian byte writer and reader for the compact binary values the Redis stores keep (serving
 * contexts, model update batches). Float32 vectors are copied as raw bytes, so they round-trip exactly.
 */

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A stored value that cannot be decoded; the stores treat it as missing. */
export class CorruptValue extends Error {
  override name = "CorruptValue";
}

export class ByteWriter {
  private readonly chunks: Buffer[] = [];

  u8(value: number): this {
    const chunk = Buffer.allocUnsafe(1);
    chunk.writeUInt8(value);
    this.chunks.push(chunk);
    return this;
  }

  u32(value: number): this {
    const chunk = Buffer.allocUnsafe(4);
    chunk.writeUInt32LE(value);
    this.chunks.push(chunk);
    return this;
  }

  f64(value: number): this {
    const chunk = Buffer.allocUnsafe(8);
    chunk.writeDoubleLE(value);
    this.chunks.push(chunk);
    return this;
  }

  string(value: string): this {
    const bytes = Buffer.from(value, "utf8");
    return this.u32(bytes.length).raw(bytes);
  }

  float32s(vector: Float32Array): this {
    this.u32(vector.length);
    if (HOST_IS_LITTLE_ENDIAN) return this.raw(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
    const chunk = Buffer.allocUnsafe(vector.length * 4);
    vector.forEach((x, i) => chunk.writeFloatLE(x, i * 4));
    return this.raw(chunk);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private raw(bytes: Buffer): this {
    this.chunks.push(bytes);
    return this;
  }
}

export class ByteReader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  u8(): number {
    return this.take(1).readUInt8();
  }

  u32(): number {
    return this.take(4).readUInt32LE();
  }

  f64(): number {
    return this.take(8).readDoubleLE();
  }

  string(): string {
    const bytes = this.take(this.u32());
    const text = bytes.toString("utf8");
    // A lossy decode means the bytes were never UTF-8 we wrote.
    if (Buffer.byteLength(text, "utf8") !== bytes.length) throw new CorruptValue("invalid UTF-8 string");
    return text;
  }

  float32s(): Float32Array {
    const length = this.u32();
    const bytes = this.take(length * 4);
    const vector = new Float32Array(length);
    if (HOST_IS_LITTLE_ENDIAN) new Uint8Array(vector.buffer).set(bytes);
    else for (let i = 0; i < length; i++) vector[i] = bytes.readFloatLE(i * 4);
    return vector;
  }

  /** Throws unless every byte was read: trailing bytes mean a value of another shape. */
  end(): void {
    if (this.offset !== this.bytes.length) throw new CorruptValue(`${this.bytes.length - this.offset} trailing bytes`);
  }

  private take(length: number): Buffer {
    if (!Number.isSafeInteger(length) || this.offset + length > this.bytes.length) {
      throw new CorruptValue(`value ends early: wanted ${length} bytes at ${this.offset} of ${this.bytes.length}`);
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}
