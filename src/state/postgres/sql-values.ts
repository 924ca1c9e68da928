/**
 * Conversions between domain values and SQL parameters/columns, shared by the adapters. Both drivers
 * return timestamptz as Date, int8 as a decimal string, real[] as number[], bytea as a Uint8Array
 * (a Buffer on node-postgres); these helpers accept the spellings either may use.
 */

/** A real[] parameter: node-postgres and PGlite both serialize plain arrays, not typed arrays. */
export function vectorParam(vector: Float32Array): number[] {
  return Array.from(vector);
}

const POWERS_OF_TEN = Array.from({ length: 120 }, (_, i) => Number(`1e${i - 60}`));

/**
 * A real[] literal (`{1.23456789e-1,...}`) that reads back as exactly these float32 values, one vector
 * after another. Nine significant digits always identify a float32, so each value is written as a
 * 9-digit integer and an exponent: about twice as fast as JavaScript's shortest double form (17 digits
 * for most float32s), which dominated the feedback path's statement building.
 */
export function float4ArrayLiteral(...vectors: Float32Array[]): string {
  let text = "{";
  let first = true;
  for (const vector of vectors) {
    for (let i = 0; i < vector.length; i++) {
      const x = vector[i]!;
      if (!first) text += ",";
      first = false;
      const exponent = x === 0 || !Number.isFinite(x) ? 0 : Math.floor(Math.log10(Math.abs(x))) - 8;
      const scale = POWERS_OF_TEN[exponent + 60];
      if (x === 0) text += Object.is(x, -0) ? "-0" : "0";
      // Outside ±1e±60 (never an embedding's range), not finite, or 1e8 ≤ |x| < 1e9: the plain form.
      else if (exponent === 0 || scale === undefined) text += String(x);
      else text += `${Math.round(x / scale)}e${exponent}`;
    }
  }
  return text + "}";
}

/** A real[] column as a Float32Array; float4 prints its shortest exact form, so values round-trip. */
export function vectorColumn(values: readonly number[]): Float32Array {
  return Float32Array.from(values);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Float32 vector as little-endian bytes (bytea): exact and 4 bytes per value. */
export function vectorToBytes(vector: Float32Array): Buffer {
  // On a little-endian machine (every one Node ships for today) the array's own bytes are the answer.
  if (LITTLE_ENDIAN) return Buffer.from(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes;
}

/** The inverse of `vectorToBytes`; null when the length is not a whole number of floats. */
export function bytesToVector(bytes: Uint8Array): Float32Array | null {
  if (bytes.byteLength % 4 !== 0) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}

/** A bytea parameter; Buffer is what node-postgres sends as binary and PGlite accepts as Uint8Array. */
export function bytesParam(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A bytea column as a plain Uint8Array the caller owns. */
export function bytesColumn(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** A timestamptz column (Date, or text on a driver without a date parser) as epoch milliseconds. */
export function timeColumn(value: Date | string | number): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  return new Date(value).getTime();
}

/** A timestamptz parameter from epoch milliseconds. */
export function timeParam(ms: number): Date {
  return new Date(ms);
}

/** An int8 column as the decimal string the ports use for log positions. */
export function bigintText(value: string | number | bigint): string {
  return typeof value === "string" ? value : value.toString();
}

/** An int8 column that counts things, as a number (counts stay far below 2^53). */
export function bigintNumber(value: string | number | bigint): number {
  return Number(value);
}

/** A decimal string of a non-negative int8, checked before it reaches SQL as a parameter. */
export function checkedSeq(seq: string, what: string): string {
  if (!/^\d{1,19}$/.test(seq)) throw new Error(`${what} must be a non-negative integer as a decimal string, got "${seq}"`);
  return seq;
}

/**
 * `($1::t1, $2::t2), ($3::t1, ...)` for a multi-row INSERT of `rowCount` rows with these column casts
 * (explicit casts, so both drivers learn every parameter's type from the statement itself).
 */
export function valuesList(rowCount: number, casts: readonly string[], firstParam = 1): string {
  const rows: string[] = [];
  let n = firstParam;
  for (let r = 0; r < rowCount; r++) rows.push(`(${casts.map((cast) => `$${n++}::${cast}`).join(", ")})`);
  return rows.join(", ");
}

/** Splits `items` into runs of at most `size`, to stay under the 65,535 parameters of one statement. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The kinds of stored value that can fail to read; few and fixed, so fit for a metric label. */
export type CorruptKind = "user_embedding" | "item_embedding" | "model_update";

/** Hears of a stored value read as missing: its kind, and a detail (which row, what was wrong) for the log. */
export type OnCorrupt = (kind: CorruptKind, detail: string) => void;
