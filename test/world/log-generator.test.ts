import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatLogRow, readLog, writeJsonLines, type LoggedDecision } from "../../src/eval/log-format";
import { catalogItems, generateLog } from "../../src/world/log-generator";
import { candidateShelves, trueValues } from "../../src/world/policies";
import { createWorld } from "../../src/world/world";
import { SMALL_WORLD } from "./small-world";

const world = createWorld(SMALL_WORLD, 42);
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const mean = (rows: LoggedDecision[]) => rows.reduce((s, r) => s + r.reward, 0) / rows.length;

describe("generateLog", () => {
  const uniform = [...generateLog(world, { policy: "uniform", events: 20_000, candidatesPerEvent: 20, seed: 1 })];
  const egreedy = [
    ...generateLog(world, { policy: "egreedy", events: 20_000, candidatesPerEvent: 20, epsilon: 0.25, seed: 1 }),
  ];

  it("writes rows that the strict reader accepts unchanged", async () => {
    const dir = await mkdtemp(join(tmpdir(), "recs-log-gen-"));
    dirs.push(dir);
    for (const [name, rows] of [
      ["u.jsonl.gz", uniform],
      ["e.jsonl", egreedy],
    ] as const) {
      const path = join(dir, name);
      await writeJsonLines(path, rows.slice(0, 3000).map(formatLogRow));
      const read: LoggedDecision[] = [];
      for await (const row of readLog(path, { strict: true })) read.push(row);
      expect(read).toEqual(rows.slice(0, 3000));
    }
  });

  it("logs the uniform policy's propensity 1/|candidates| and candidates from the catalog", () => {
    const ids = new Set(catalogItems(world).map((i) => i.itemId));
    const wrong = uniform.filter(
      (row) =>
        Math.abs(row.propensity - 1 / row.candidates!.length) > 1e-12 ||
        !row.candidates!.includes(row.itemId) ||
        row.position !== 0 ||
        (row.reward !== 0 && row.reward !== 1) ||
        row.candidates!.some((id) => !ids.has(id)),
    );
    expect(wrong).toEqual([]);
    const chosen = new Set(uniform.map((r) => r.itemId));
    expect(chosen.size).toBeGreaterThan(world.items.length * 0.95);
  });

  it("logs ε-greedy propensities: 1 − ε + ε/n for the greedy pick, ε/n otherwise, greedy most of the time", () => {
    const greedy = egreedy.filter((r) => r.propensity > 0.5);
    const wrong = egreedy.filter((row) => {
      const n = row.candidates!.length;
      const expected = row.propensity > 0.5 ? 0.75 + 0.25 / n : 0.25 / n;
      return Math.abs(row.propensity - expected) > 1e-12;
    });
    expect(wrong).toEqual([]);
    expect(greedy.length / egreedy.length).toBeGreaterThan(0.7);
    expect(greedy.length / egreedy.length).toBeLessThan(0.82);
  });

  it("produces mean rewards that match each logging policy's true value", () => {
    const [random, logging, oracle] = trueValues(
      world,
      [{ kind: "random" }, { kind: "egreedy", epsilon: 0.25 }, { kind: "oracle" }],
      {
        decisions: 20_000,
        candidatesPerEvent: 20,
        seed: 3,
      },
    );
    for (const [rows, truth] of [
      [uniform, random!],
      [egreedy, logging!],
    ] as const) {
      const observed = mean(rows);
      const clickNoise = Math.sqrt((observed * (1 - observed)) / rows.length);
      const tolerance = 4 * Math.sqrt(clickNoise ** 2 + truth.standardError ** 2);
      expect(Math.abs(observed - truth.value)).toBeLessThan(tolerance);
    }
    expect(logging!.value).toBeGreaterThan(1.5 * random!.value);
    expect(oracle!.value).toBeGreaterThan(2 * logging!.value);
  });

  it("is deterministic by seed and can leave candidate sets out", () => {
    const again = [
      ...generateLog(world, { policy: "egreedy", events: 500, candidatesPerEvent: 20, epsilon: 0.25, seed: 1 }),
    ];
    expect(again).toEqual(egreedy.slice(0, 500));
    const other = [
      ...generateLog(world, { policy: "egreedy", events: 500, candidatesPerEvent: 20, epsilon: 0.25, seed: 2 }),
    ];
    expect(other.map((r) => r.itemId)).not.toEqual(again.map((r) => r.itemId));
    const bare = [
      ...generateLog(world, {
        policy: "uniform",
        events: 10,
        candidatesPerEvent: 20,
        seed: 1,
        includeCandidates: false,
      }),
    ];
    expect(bare.every((r) => r.candidates === null)).toBe(true);
  });

  it("rejects an ε that would give candidates a zero propensity", () => {
    expect(() => generateLog(world, { policy: "egreedy", events: 1, epsilon: 0 }).next()).toThrow(
      /epsilon must be in \(0, 1\]/,
    );
  });
});

describe("candidateShelves", () => {
  it("partitions the catalog into shelves of the requested size", () => {
    const shelves = candidateShelves(world, 50);
    expect(shelves.map((s) => s.length)).toEqual([50, 50, 50, 50, 40]);
    expect(new Set(shelves.flat()).size).toBe(world.items.length);
    expect(() => candidateShelves(world, 0)).toThrow(/whole number ≥ 1/);
  });
});

describe("trueValues", () => {
  it("orders the reference policies: random < popularity and egreedy < oracle", () => {
    const values = trueValues(
      world,
      [{ kind: "random" }, { kind: "popularity" }, { kind: "egreedy", epsilon: 0 }, { kind: "oracle" }],
      { decisions: 5000 },
    );
    const [random, popularity, greedy, oracle] = values.map((v) => v.value);
    expect(values.map((v) => v.policy)).toEqual(["random", "popularity", "egreedy(0)", "oracle"]);
    expect(popularity!).toBeGreaterThan(random! * 1.5);
    expect(greedy!).toBeGreaterThan(random! * 1.5);
    expect(oracle!).toBeGreaterThan(Math.max(popularity!, greedy!));
    for (const v of values) expect(v.standardError).toBeLessThan(v.value / 10);
  });
});
