/**
 * A little-endian binary writer/reader for model snapshots. Numbers are stored as float64 so a
 * snapshot restores the exact statistics it was taken from.
 */

/** Appends typed values to a growing buffer. */
export class BinaryWriter {
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);
  private length = 0;

  /** Writes a uint32. */
  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  /** Writes a float64. */
  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** Writes a UTF-8 string, length-prefixed. */
  string(value: string): void {
    const encoded = new TextEncoder().encode(value);
    this.u32(encoded.length);
    this.reserve(encoded.length);
    this.bytes.set(encoded, this.length);
    this.length += encoded.length;
  }

  /** Writes the values of an array (its length is the reader's business). */
  f64s(values: Float64Array): void {
    this.reserve(values.length * 8);
    for (let i = 0; i < values.length; i++) this.view.setFloat64(this.length + i * 8, values[i]!, true);
    this.length += values.length * 8;
  }

  /** The bytes written so far (a copy, sized exactly). */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** Reads what a BinaryWriter wrote; every read is bounds-checked so a truncated snapshot fails clearly. */
export class BinaryReader {
  private readonly view: DataView;
  private position = 0;

  constructor(private readonly bytes: Uint8Array, private readonly what: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Reads a uint32. */
  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.position, true);
    this.position += 4;
    return value;
  }

  /** Reads a float64. */
  f64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.position, true);
    this.position += 8;
    return value;
  }

  /** Reads a length-prefixed UTF-8 string. */
  string(): string {
    const length = this.u32();
    this.need(length);
    const value = new TextDecoder().decode(this.bytes.subarray(this.position, this.position + length));
    this.position += length;
    return value;
  }

  /** Reads `count` float64 values into a new array. */
  f64s(count: number): Float64Array {
    this.need(count * 8);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.view.getFloat64(this.position + i * 8, true);
    this.position += count * 8;
    return out;
  }

  /** Throws unless every byte was read (trailing bytes mean a format mismatch). */
  end(): void {
    if (this.position !== this.bytes.length) {
      throw new Error(`${this.what}: ${this.bytes.length - this.position} unexpected trailing bytes; the snapshot was written by an incompatible version`);
    }
  }

  private need(count: number): void {
    if (this.position + count > this.bytes.length) {
      throw new Error(`${this.what}: truncated at byte ${this.position} (needed ${count} more of ${this.bytes.length}); the snapshot is damaged, load an older one`);
    }
  }
}
