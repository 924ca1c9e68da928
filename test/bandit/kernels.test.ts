import { describe, expect, it } from "vitest";
import { addOuter, matVec, quadraticForm, shermanMorrison } from "../../src/bandit/dense";
import { Float32Rows } from "../../src/bandit/kernels/float32-rows";
import { SharedStatistics } from "../../src/bandit/kernels/kernels";
import { KERNELS_WASM_BASE64 } from "../../src/bandit/kernels/kernels-wasm";
import { seededRandom } from "../../src/bandit/rng";
import { assembleKernels } from "../../scripts/gen-kernels";

const rng = seededRandom(99);
const symmetric = (n: number) => {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = i === j ? 1 + rng() : rng() - 0.5;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
};
const closeTo = (actual: ArrayLike<number>, expected: ArrayLike<number>) => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected[i]!)));
};

describe("WebAssembly kernels", () => {
  it(
    "score rows as uᵀA0⁻¹u and u·β̂ as the plain loops do, for any n and batch size (zeros skipped, " +
      "odd tails included)",
    () => {
      for (const n of [1, 3, 4, 5, 83]) {
        const stats = new SharedStatistics(n, 3);
        for (const count of [0, 1, 7, 300]) {
          const rows = stats.rows(count);
          for (let i = 0; i < rows.length; i++) rows[i] = rng() < 0.2 ? 0 : rng() * 4 - 2;
          // Growing (rows above) remakes the views: write A0⁻¹ and β̂ after it.
          const a = symmetric(n);
          const beta = Float64Array.from({ length: n }, () => rng() - 0.5);
          stats.aInverse.set(a);
          stats.beta.set(beta);
          const { forms, dots } = stats.score(count);
          closeTo(
            forms,
            Array.from({ length: count }, (_, c) => quadraticForm(a, n, rows, c * n)),
          );
          closeTo(
            dots,
            Array.from({ length: count }, (_, c) =>
              rows.subarray(c * n, (c + 1) * n).reduce((sum: number, v: number, j: number) => sum + v * beta[j]!, 0),
            ),
          );
        }
      }
    },
  );

  it("take an item's Bᵀy off its row and give Bβ̂, as the plain loops do", () => {
    for (const [n, k] of [
      [1, 1],
      [5, 3],
      [83, 3],
      [132, 4],
    ] as const) {
      const stats = new SharedStatistics(n, k);
      const rows = stats.rows(3);
      for (let i = 0; i < rows.length; i++) rows[i] = rng() - 0.5;
      const before = rows.slice();
      const beta = Float64Array.from({ length: n }, () => rng() - 0.5);
      stats.beta.set(beta);
      const b = Float64Array.from({ length: k * n }, () => rng() - 0.5);
      const y = Float64Array.from({ length: k }, () => rng() - 0.5);
      const bBeta = Array.from(stats.armResidual(n, b, y));
      const expectedRow = Array.from(
        { length: n },
        (_, j) => before[n + j]! - Array.from(y).reduce((sum, yi, i) => sum + b[i * n + j]! * yi, 0),
      );
      closeTo(rows.subarray(n, 2 * n), expectedRow);
      closeTo(rows.subarray(0, n), before.subarray(0, n));
      closeTo(rows.subarray(2 * n), before.subarray(2 * n));
      closeTo(
        bBeta,
        Array.from({ length: k }, (_, i) =>
          b.subarray(i * n, (i + 1) * n).reduce((sum: number, v: number, j: number) => sum + v * beta[j]!, 0),
        ),
      );
    }
  });

  it("keep the statistics when the candidate rows outgrow the memory, and refuse to score rows not made", () => {
    const stats = new SharedStatistics(4, 3);
    stats.a.set(symmetric(4));
    const before = Array.from(stats.a);
    stats.rows(10_000);
    expect(Array.from(stats.a)).toEqual(before);
    expect(() => stats.score(20_000)).toThrow(/write the rows first/);
  });

  it("dot every float32 row with a query to float32 precision, keeping rows across growth", () => {
    for (const dim of [1, 3, 4, 5, 32]) {
      const matrix = new Float32Rows(dim, 2);
      const rows: Float32Array[] = [];
      for (let r = 0; r < 50; r++) {
        const row = Float32Array.from({ length: dim }, () => rng() * 2 - 1);
        matrix.ensureRows(r + 1);
        matrix.setRow(r, row);
        rows.push(row);
      }
      const query = Float64Array.from({ length: dim }, () => rng() * 2 - 1);
      const expected = rows.map((row) => row.reduce((sum, v, j) => sum + v * query[j]!, 0));
      const { count, indices, dots: got } = matrix.above(query, rows.length, 1, Number.NEGATIVE_INFINITY);
      expect(count).toBe(rows.length);
      expect(Array.from(indices.subarray(0, count))).toEqual(rows.map((_, r) => r));
      // Float32 products and sums of terms below 1: within a few float32 ulps of dim.
      for (let r = 0; r < rows.length; r++)
        expect(Math.abs(got[r]! - expected[r]!)).toBeLessThanOrEqual(4 * dim * 2 ** -23);
      expect(matrix.rowCapacity).toBeGreaterThanOrEqual(50);
    }
  });

  it("hands over only the rows (every step-th) whose dot is above the bar, with the same dots, in row order", () => {
    for (const dim of [3, 8, 32]) {
      const matrix = new Float32Rows(dim, 300);
      for (let r = 0; r < 300; r++)
        matrix.setRow(
          r,
          Float32Array.from({ length: dim }, () => rng() * 2 - 1),
        );
      const query = Float64Array.from({ length: dim }, () => rng() * 2 - 1);
      const all = Float64Array.from(matrix.above(query, 300, 1, Number.NEGATIVE_INFINITY).dots.subarray(0, 300));
      for (const step of [1, 7, 16]) {
        for (const bar of [Number.NEGATIVE_INFINITY, 0, 0.5, all[0]!]) {
          const expected = [];
          for (let r = 0; r < 300; r += step) if (all[r]! > bar) expected.push([r, all[r]!]);
          const { count, indices, dots } = matrix.above(query, 300, step, bar);
          expect(Array.from({ length: count }, (_, i) => [indices[i], dots[i]])).toEqual(expected);
        }
      }
    }
    expect(() => new Float32Rows(2, 4).above(Float64Array.of(1, 1), 4, 0, 0)).toThrow(/step/);
  });

  it("update A0, A0⁻¹ and β̂ as dense.ts's loops do", () => {
    for (const n of [1, 2, 5, 83]) {
      const stats = new SharedStatistics(n, 3);
      const a = symmetric(n);
      const inverse = symmetric(n);
      stats.a.set(a);
      stats.aInverse.set(inverse);
      for (let step = 0; step < 5; step++) {
        const v = Float64Array.from({ length: n }, () => (rng() < 0.2 ? 0 : rng() - 0.5));
        const c = rng();
        stats.vector.set(v);
        addOuter(a, n, v, 0, c);
        stats.addOuterToA(c);
        const scratch = new Float64Array(n);
        const s = shermanMorrison(inverse, n, v, 0, c, scratch);
        expect(Math.abs(stats.shermanMorrison(c) - s)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(s)));
        closeTo(stats.scratch, scratch);
      }
      closeTo(stats.a, a);
      closeTo(stats.aInverse, inverse);
      const b = Float64Array.from({ length: n }, () => rng());
      stats.b.set(b);
      stats.updateBeta();
      const beta = new Float64Array(n);
      matVec(inverse, n, n, b, 0, beta);
      closeTo(stats.beta, beta);
    }
  });

  it("are built from kernels.wat as committed (run npm run gen:kernels after editing it)", async () => {
    expect(Buffer.from(await assembleKernels()).toString("base64")).toBe(KERNELS_WASM_BASE64);
  });
});
