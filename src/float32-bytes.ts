/**
 * Float32 vectors as little-endian bytes, the layout both stores keep them in (Postgres bytea columns,
 * Redis blobs): exact, 4 bytes per value. On a little-endian host (every one Node ships for today) the
 * array's own bytes are copied as they are.
 */

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes `vector`'s bytes into `into` from byte `at` (room for vector.length * 4 bytes needed). */
export function writeFloat32LE(vector: Float32Array, into: Uint8Array, at: number): void {
  if (HOST_IS_LITTLE_ENDIAN) {
    into.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength), at);
    return;
  }
  const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
  for (let i = 0; i < vector.length; i++) view.setFloat32(at + i * 4, vector[i]!, true);
}

/** Fills `into` with into.length floats read from `from` at byte `at`. */
export function readFloat32LE(from: Uint8Array, at: number, into: Float32Array): void {
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(from.subarray(at, at + into.length * 4));
    return;
  }
  const view = new DataView(from.buffer, from.byteOffset, from.byteLength);
  for (let i = 0; i < into.length; i++) into[i] = view.getFloat32(at + i * 4, true);
}
