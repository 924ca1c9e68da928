import { describe, expect, it } from "vitest";
import {
  allocateFeatures,
  buildFeatures,
  featureLayout,
  hashContext,
  SIGNAL_COUNT,
  type FeatureItem,
} from "../../src/bandit/features";
import { fnv1a } from "../../src/bandit/hashing";
import { gaussian, seededRandom } from "../../src/bandit/rng";

/** FNV-1a over UTF-8 bytes and murmur3's fmix32, in BigInt: an independent reference for the bucket rule. */
function referenceFnv(text: string): bigint {
  let h = 0x811c9dc5n;
  for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * 0x01000193n) & 0xffffffffn;
  return h;
}
function referenceFmix(hash: bigint): bigint {
  let h = hash;
  h = ((h ^ (h >> 16n)) * 0x85ebca6bn) & 0xffffffffn;
  h = ((h ^ (h >> 13n)) * 0xc2b2ae35n) & 0xffffffffn;
  return h ^ (h >> 16n);
}
function referenceTerm(text: string, buckets: number): { bucket: number; sign: number } {
  const h = referenceFmix(referenceFnv(text));
  return { bucket: Number(h % BigInt(buckets)), sign: h >= 0x80000000n ? -1 : 1 };
}

const d = 8;
const rng = seededRandom(4);
const unit = (): Float32Array => {
  const v = Float32Array.from({ length: d }, () => gaussian(rng));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};
const session = unit();
const longTerm = unit();
const item: FeatureItem = { embedding: unit(), category: "shoes", attributes: { brand: "acmé", colour: "red" } };

describe("feature hashing", () => {
  it("is FNV-1a over UTF-8 (published test vectors and non-ASCII)", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
    for (const text of ["page=home×category=shoes", "brand=acmé", "emoji=🛒", "日本"])
      expect(BigInt(fnv1a(text))).toBe(referenceFnv(text));
  });
});

describe("buildFeatures", () => {
  const spec = featureLayout({ dim: d, hashBuckets: 32 });

  it("lays out z = [s⊙v | l⊙v | hashed | s·v, l·v | 4 item signals | 1] and x = [1, s·v, l·v]", () => {
    expect([spec.sharedDim, spec.armDim]).toEqual([2 * d + 32 + 7, 3]);
    const { z, x } = allocateFeatures(spec, 3);
    buildFeatures(spec, session, longTerm, hashContext({ page: "home" }), item, z, x, 2);
    const base = 2 * spec.sharedDim;
    for (let i = 0; i < d; i++) {
      expect(z[base + i]).toBe(session[i]! * item.embedding[i]!);
      expect(z[base + d + i]).toBe(longTerm[i]! * item.embedding[i]!);
    }
    expect(z[base + spec.sharedDim - 1]).toBe(1);
    const sv = session.reduce((sum, s, i) => sum + s * item.embedding[i]!, 0);
    const lv = longTerm.reduce((sum, l, i) => sum + l * item.embedding[i]!, 0);
    expect(z[base + spec.similarityOffset]).toBeCloseTo(sv, 12);
    expect(z[base + spec.similarityOffset + 1]).toBeCloseTo(lv, 12);
    expect(Array.from(z.subarray(base + spec.signalOffset, base + spec.signalOffset + SIGNAL_COUNT))).toEqual([
      0, 0, 0, 0,
    ]);
    expect(x[6]).toBe(1);
    expect(x[7]).toBeCloseTo(sv, 12);
    expect(x[8]).toBeCloseTo(lv, 12);
    // Rows 0 and 1 were not written.
    expect(z.subarray(0, base).every((v) => v === 0)).toBe(true);
  });

  it("writes the caller's item signals, and scales x by armScale (a stronger prior on each item's own part)", () => {
    const scaled = featureLayout({ dim: d, hashBuckets: 32, armScale: 0.25 });
    const plain = allocateFeatures(spec, 1);
    const out = allocateFeatures(scaled, 1);
    buildFeatures(spec, session, longTerm, hashContext({ page: "home" }), item, plain.z, plain.x, 0);
    buildFeatures(
      scaled,
      session,
      longTerm,
      hashContext({ page: "home" }),
      item,
      out.z,
      out.x,
      0,
      [9, -0.7, 0.5, 0.25, 0.125],
      1,
    );
    const signals = [-0.7, 0.5, 0.25, 0.125];
    out.z.forEach((v, i) => {
      expect(v).toBe(
        i >= scaled.signalOffset && i < scaled.signalOffset + SIGNAL_COUNT
          ? signals[i - scaled.signalOffset]
          : plain.z[i],
      );
    });
    out.x.forEach((v, i) => {
      expect(v).toBeCloseTo(0.25 * plain.x[i]!, 15);
    });
    expect(() => featureLayout({ dim: d, hashBuckets: 32, armScale: 0 })).toThrow(/armScale/);
  });

  it("puts each context entry and each context × item-field cross in its hashed bucket with its sign", () => {
    const { z, x } = allocateFeatures(spec, 1);
    buildFeatures(spec, session, longTerm, hashContext({ page: "home", device: "mobile" }), item, z, x, 0);
    const expected = new Float64Array(32);
    const terms = ["page=home", "device=mobile"].flatMap((pair) => [
      pair,
      ...["category=shoes", "brand=acmé", "colour=red"].map((f) => `${pair}×${f}`),
    ]);
    for (const text of terms) {
      const { bucket, sign } = referenceTerm(text, 32);
      expected[bucket]! += sign / Math.sqrt(terms.length);
    }
    const hashed = z.subarray(2 * d, 2 * d + 32);
    hashed.forEach((value, i) => {
      expect(value).toBeCloseTo(expected[i]!, 14);
    });
    expect(hashed.some((v) => v !== 0)).toBe(true);
  });

  it("is deterministic, independent of context key order, and overwrites stale rows", () => {
    const first = allocateFeatures(spec, 1);
    const second = allocateFeatures(spec, 1);
    second.z.fill(7);
    second.x.fill(7);
    buildFeatures(spec, session, longTerm, hashContext({ page: "home", device: "mobile" }), item, first.z, first.x, 0);
    buildFeatures(
      spec,
      session,
      longTerm,
      hashContext({ device: "mobile", page: "home" }),
      item,
      second.z,
      second.x,
      0,
    );
    second.z.forEach((v, i) => {
      expect(v).toBeCloseTo(first.z[i]!, 15);
    });
    expect(Array.from(second.x)).toEqual(Array.from(first.x));
  });

  it("writes zeros for an absent vector and for a part switched off (the ablations)", () => {
    const noSession = featureLayout({ dim: d, hashBuckets: 32, useSession: false });
    const noLongTerm = featureLayout({ dim: d, hashBuckets: 32, useLongTerm: false });
    const ctx = hashContext({ page: "home" });
    const full = allocateFeatures(spec, 1);
    buildFeatures(spec, session, longTerm, ctx, item, full.z, full.x, 0);
    for (const [layout, s, l, zeroFrom, zeroArm] of [
      [noSession, session, longTerm, 0, 1],
      [spec, null, longTerm, 0, 1],
      [noLongTerm, session, longTerm, d, 2],
      [spec, session, null, d, 2],
    ] as const) {
      const out = allocateFeatures(layout, 1);
      out.z.fill(3);
      buildFeatures(layout, s, l, ctx, item, out.z, out.x, 0);
      // The part's products and its similarity feature are zero; everything else is as in the full layout.
      const similarity = spec.similarityOffset + zeroArm - 1;
      out.z.forEach((v, i) => {
        expect(v).toBe((i >= zeroFrom && i < zeroFrom + d) || i === similarity ? 0 : full.z[i]);
      });
      expect(out.x[zeroArm]).toBe(0);
      expect(out.x[3 - zeroArm]).toBe(full.x[3 - zeroArm]);
    }
  });

  it("has an all-zero hashed block for an empty context, and rejects vectors of the wrong size", () => {
    const { z, x } = allocateFeatures(spec, 1);
    buildFeatures(spec, session, longTerm, hashContext({}), item, z, x, 0);
    expect(z.subarray(2 * d, 2 * d + 32).every((v) => v === 0)).toBe(true);
    expect(() => buildFeatures(spec, new Float32Array(3), null, hashContext({}), item, z, x, 0)).toThrow(
      /session vector has 3/,
    );
    expect(() =>
      buildFeatures(spec, null, null, hashContext({}), { ...item, embedding: new Float32Array(4) }, z, x, 0),
    ).toThrow(/embedding has 4/);
  });
});

describe("FactoredFeatures", () => {
  it(
    "writes out each candidate's z and x as buildFeatures does, whether its crosses are held, " + "hashed or replaced",
    async () => {
      const { FactoredFeatures } = await import("../../src/bandit/factored-features");
      const { materializeShared } = await import("../../src/bandit/factored");
      const spec = featureLayout({ dim: 4, hashBuckets: 16, armScale: 0.3 });
      const items = [0, 1, 2].map((i) => ({
        embedding: Float32Array.of(i, 1, 0.25, -1),
        category: i === 2 ? "" : `c${i}`,
        attributes: { brand: `b${i}`, color: "red" },
      }));
      const raw: Array<Record<string, string>> = [
        { device: "mobile" },
        { device: "desktop", page: "home" },
        { device: "mobile" },
        { page: "cart" },
        {},
      ];
      const states: Array<[Float32Array | null, Float32Array | null]> = [
        [null, Float32Array.of(1, 0, 0, 0)],
        [Float32Array.of(0.5, -0.25, 2, 1), null],
        [Float32Array.of(0.1, 0.2, 0.3, 0.4), Float32Array.of(-1, 0.5, 0, 3)],
        [null, null],
      ];
      const lift = Float64Array.of(0, 0, 0, 0, -0.7, 0.5, 0, 0.25, 1.5, 0, -1, 0);
      // Twelve distinct context entries: more than an item keeps, so held crosses get replaced.
      for (let i = 0; i < 8; i++) raw.push({ query: `q${i}`, device: i % 2 === 0 ? "mobile" : "desktop" });
      // The same items as rows 5, 1 and 3 of a packed matrix (the catalog's), for the indexed path.
      const indices = [5, 1, 3];
      const packed = new Float32Array(6 * 4).fill(99);
      items.forEach((item, c) => {
        packed.set(item.embedding, indices[c]! * 4);
      });
      const factored = new FactoredFeatures(spec);
      // Passes 0 and 1 read the items (1 with their crosses held), 2 and 3 the packed rows.
      for (let pass = 0; pass < 4; pass++) {
        for (const [session, longTerm] of states) {
          factored.setRequest(session, longTerm);
          for (const context of raw.map((c) => hashContext(c))) {
            factored.setCandidates(context, items, lift, pass >= 2 ? { indices, embeddings: packed } : undefined);
            const z = new Float64Array(spec.sharedDim);
            items.forEach((item, c) => {
              const plain = allocateFeatures(spec, 1);
              buildFeatures(spec, session, longTerm, context, item, plain.z, plain.x, 0, lift, c * SIGNAL_COUNT);
              materializeShared(factored, c, spec.sharedDim, z, 0);
              // Equal to the bit, except that a −0 product (a negative s_j times a zero v_j) comes out as 0.
              expect(Array.from(z)).toEqual(Array.from(plain.z, (v) => v + 0));
              expect(Array.from(factored.x.subarray(c * 3, c * 3 + 3))).toEqual(Array.from(plain.x));
            });
          }
        }
      }
    },
  );
});
