/**
 * Conversions between domain values and SQL parameters/columns, shared by the adapters. Both drivers
 * return timestamptz as Date, int8 as a decimal string, real[] as number[], bytea as a Uint8Array
 * (a Buffer on node-postgres); these helpers accept the spellings either may use.
 */

import { readFloat32LE } from "../../float32-bytes";

/** A real[] parameter: node-postgres and PGlite both serialize plain arrays, not typed arrays. */
export function vectorParam(vector: Float32Array): number[] {
  return Array.from(vector);
}

/** The type oid of float4, as a binary array parameter names its elements' type. */
const FLOAT4_OID = 700;

/**
 * A real[] parameter in Postgres's binary array format (what `array_recv` reads), the vectors' values one
 * after another: exact, and neither side formats or parses a decimal. Both drivers send a Buffer as a
 * binary parameter. Layout: dimensions, has-nulls flag, element type, then (for one dimension) its
 * length and lower bound, then each element as a 4-byte length and a big-endian float32.
 */
export function float4ArrayParam(...vectors: Float32Array[]): Buffer {
  let count = 0;
  for (const vector of vectors) count += vector.length;
  const header = count === 0 ? 12 : 20;
  const bytes = Buffer.allocUnsafe(header + count * 8);
  bytes.writeInt32BE(count === 0 ? 0 : 1, 0);
  bytes.writeInt32BE(0, 4);
  bytes.writeInt32BE(FLOAT4_OID, 8);
  if (count > 0) {
    bytes.writeInt32BE(count, 12);
    bytes.writeInt32BE(1, 16);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = header;
  for (const vector of vectors) {
    for (let i = 0; i < vector.length; i++) {
      view.setInt32(at, 4);
      view.setFloat32(at + 4, vector[i]!);
      at += 8;
    }
  }
  return bytes;
}

/** A real[] column as a Float32Array; float4 prints its shortest exact form, so values round-trip. */
export function vectorColumn(values: readonly number[]): Float32Array {
  return Float32Array.from(values);
}

/**
 * A bytea column of little-endian float32s (as `writeFloat32LE` writes them) as a vector; null when its
 * length is not a whole number of floats.
 */
export function bytesToVector(bytes: Uint8Array): Float32Array | null {
  if (bytes.byteLength % 4 !== 0) return null;
  const vector = new Float32Array(bytes.byteLength / 4);
  readFloat32LE(bytes, 0, vector);
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
  if (!/^\d{1,19}$/.test(seq))
    throw new Error(`${what} must be a non-negative integer as a decimal string, got "${seq}"`);
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
