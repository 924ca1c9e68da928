import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/bandit/rng";
import { float4ArrayParam } from "../../src/state/postgres/sql-values";

/**
 * What Postgres's array_recv reads from a one-dimensional float4 array: the elements, or null if the header is wrong.
 */
function arrayRecv(bytes: Buffer): number[] | null {
  const dims = bytes.readInt32BE(0);
  if (bytes.readInt32BE(4) !== 0 || bytes.readInt32BE(8) !== 700) return null;
  if (dims === 0) return bytes.length === 12 ? [] : null;
  if (dims !== 1 || bytes.readInt32BE(16) !== 1) return null;
  const count = bytes.readInt32BE(12);
  if (bytes.length !== 20 + count * 8) return null;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (bytes.readInt32BE(20 + i * 8) !== 4) return null;
    out.push(bytes.readFloatBE(24 + i * 8));
  }
  return out;
}

describe("float4ArrayParam", () => {
  it("carries every float32 exactly, at every magnitude", () => {
    const rng = seededRandom(17);
    const values = new Float32Array(20_000);
    for (let i = 0; i < values.length; i++) values[i] = (rng() * 2 - 1) * 10 ** Math.floor(rng() * 90 - 45);
    const specials = Float32Array.of(
      0,
      -0,
      1,
      -1,
      0.1,
      1e8,
      3.4028234663852886e38,
      -3.4028234663852886e38,
      1.401298464324817e-45,
      1.1754943508222875e-38,
      123456789,
    );
    for (const vector of [values, specials]) expect(arrayRecv(float4ArrayParam(vector))).toEqual(Array.from(vector));
  });

  it("writes no vectors, or only empty ones, as an empty array", () => {
    expect(arrayRecv(float4ArrayParam())).toEqual([]);
    expect(arrayRecv(float4ArrayParam(new Float32Array(0), new Float32Array(0)))).toEqual([]);
  });

  it("writes several vectors, empty ones among them, one after another as one array", () => {
    const bytes = float4ArrayParam(
      Float32Array.of(1, 0.1),
      new Float32Array(0),
      Float32Array.of(-2.5),
      new Float32Array(0),
    );
    expect(arrayRecv(bytes)).toEqual([1, Math.fround(0.1), -2.5]);
  });
});
