import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/bandit/rng";
import { float4ArrayLiteral } from "../../src/state/postgres/sql-values";

/** What Postgres's float4in does with each element: the nearest float32 to the decimal. */
const parse = (literal: string) => literal.slice(1, -1).split(",").map((part) => Math.fround(Number(part)));

describe("float4ArrayLiteral", () => {
  it("writes every float32 so that it reads back as exactly itself, at every magnitude", () => {
    const rng = seededRandom(17);
    const values = new Float32Array(20_000);
    for (let i = 0; i < values.length; i++) values[i] = (rng() * 2 - 1) * 10 ** Math.floor(rng() * 90 - 45);
    const specials = Float32Array.of(0, 1, -1, 0.1, 1e8, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38, 123456789);
    for (const vector of [values, specials]) expect(parse(float4ArrayLiteral(vector))).toEqual(Array.from(vector));
  });

  it("writes an empty vector as an empty array", () => {
    expect(float4ArrayLiteral(new Float32Array(0))).toBe("{}");
    expect(float4ArrayLiteral()).toBe("{}");
  });

  it("writes several vectors, empty ones among them, one after another as one array", () => {
    const literal = float4ArrayLiteral(Float32Array.of(1, 0.1), new Float32Array(0), Float32Array.of(-2.5), new Float32Array(0));
    expect(literal).not.toContain(",,");
    expect(parse(literal)).toEqual([1, Math.fround(0.1), -2.5]);
  });
});
