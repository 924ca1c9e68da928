import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LogFormatError,
  createReadReport,
  formatCatalogItem,
  formatLogRow,
  readCatalog,
  readLog,
  writeJsonLines,
  type LoggedDecision,
  type ReadOptions,
} from "../../src/eval/log-format";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "recs-log-format-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const goodRow = {
  ts: 1704067200000,
  user_id: "u1",
  session_id: "s1",
  context: { device: "mobile", hour: 9 },
  candidates: ["a", "b", "c"],
  item_id: "b",
  position: 0,
  propensity: 0.5,
  reward: 1,
};

async function fileOf(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  const text = `${lines.join("\n")}\n`;
  await writeFile(path, name.endsWith(".gz") ? gzipSync(text) : text);
  return path;
}

async function readAll(path: string, options: ReadOptions = {}): Promise<LoggedDecision[]> {
  const rows: LoggedDecision[] = [];
  for await (const row of readLog(path, options)) rows.push(row);
  return rows;
}

/** The message of the error a one-bad-line file gets in strict mode (the bad line is line 2). */
async function errorFor(badLine: string): Promise<string> {
  const path = await fileOf(`bad-${Math.random().toString(36).slice(2)}.jsonl`, [JSON.stringify(goodRow), badLine]);
  const err = await readAll(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LogFormatError);
  return (err as LogFormatError).message.replace(path, "FILE");
}

const withField = (patch: Record<string, unknown>) => JSON.stringify({ ...goodRow, ...patch });
const without = (field: string) =>
  JSON.stringify(Object.fromEntries(Object.entries(goodRow).filter(([k]) => k !== field)));

describe("readLog", () => {
  it("reads plain and gzipped files into typed rows, ISO and millisecond times alike", async () => {
    const lines = [
      JSON.stringify(goodRow),
      "",
      withField({ ts: "2024-01-01T00:00:01.500Z", candidates: undefined, item_id: "zz", reward: -0.5 }),
    ];
    for (const name of ["plain.jsonl", "zipped.jsonl.gz"]) {
      const rows = await readAll(await fileOf(name, lines));
      expect(rows).toEqual([
        {
          tsMs: 1704067200000,
          userId: "u1",
          sessionId: "s1",
          context: { device: "mobile", hour: 9 },
          candidates: ["a", "b", "c"],
          itemId: "b",
          position: 0,
          propensity: 0.5,
          reward: 1,
        },
        {
          tsMs: 1704067201500,
          userId: "u1",
          sessionId: "s1",
          context: { device: "mobile", hour: 9 },
          candidates: null,
          itemId: "zz",
          position: 0,
          propensity: 0.5,
          reward: -0.5,
        },
      ]);
    }
  });

  it("names file, line and field for each kind of bad line", async () => {
    expect(await errorFor(withField({ propensity: 0 }))).toBe('FILE:2: "propensity" must be in (0, 1], got 0');
    expect(await errorFor(withField({ propensity: 1.2 }))).toBe('FILE:2: "propensity" must be in (0, 1], got 1.2');
    expect(await errorFor(withField({ propensity: "0.5" }))).toBe('FILE:2: "propensity" must be in (0, 1], got "0.5"');
    expect(await errorFor(without("propensity"))).toBe(
      'FILE:2: "propensity" must be in (0, 1], got nothing (the field is missing)',
    );
    expect(await errorFor("{not json")).toMatch(/^FILE:2: is not valid JSON \(/);
    expect(await errorFor("[1,2]")).toBe("FILE:2: must be a JSON object, got [1,2]");
    expect(await errorFor(without("user_id"))).toBe(
      'FILE:2: "user_id" must be a non-empty string, got nothing (the field is missing)',
    );
    expect(await errorFor(withField({ session_id: 7 }))).toBe('FILE:2: "session_id" must be a non-empty string, got 7');
    expect(await errorFor(withField({ item_id: "" }))).toBe('FILE:2: "item_id" must be a non-empty string, got ""');
    expect(await errorFor(withField({ item_id: "q" }))).toBe('FILE:2: "item_id" "q" is not one of "candidates"');
    expect(await errorFor(withField({ candidates: [] }))).toMatch(
      /^FILE:2: "candidates" must be a non-empty array of item ids/,
    );
    expect(await errorFor(withField({ candidates: ["b", 3] }))).toBe(
      'FILE:2: "candidates" must hold non-empty strings only, got 3 at index 1',
    );
    expect(await errorFor(withField({ position: -1 }))).toBe('FILE:2: "position" must be a whole number ≥ 0, got -1');
    expect(await errorFor(withField({ position: 1.5 }))).toBe('FILE:2: "position" must be a whole number ≥ 0, got 1.5');
    expect(await errorFor(withField({ reward: "1" }))).toBe('FILE:2: "reward" must be a finite number, got "1"');
    expect(await errorFor(withField({ ts: "yesterday" }))).toBe(
      'FILE:2: "ts" must be milliseconds since 1970 (≥ 0) or an ISO-8601 date, got "yesterday"',
    );
    expect(await errorFor(withField({ context: ["mobile"] }))).toBe(
      'FILE:2: "context" must be an object of strings and numbers, got ["mobile"]',
    );
    expect(await errorFor(withField({ context: { device: null } }))).toBe(
      'FILE:2: "context.device" must be a string or a finite number, got null',
    );
  });

  it("in lenient mode skips bad lines, counts them and keeps the first problems", async () => {
    const path = await fileOf("mixed.jsonl.gz", [
      JSON.stringify(goodRow),
      withField({ propensity: 0 }),
      JSON.stringify(goodRow),
      withField({ reward: null }),
      "oops",
      JSON.stringify(goodRow),
    ]);
    await expect(readAll(path)).rejects.toThrow(/mixed\.jsonl\.gz:2: "propensity"/);
    const report = createReadReport();
    const rows = await readAll(path, { strict: false, report, maxProblems: 2 });
    expect(rows).toHaveLength(3);
    expect(report).toMatchObject({ lines: 6, rowsRead: 3, skipped: 3 });
    expect(report.problems.map((p) => [p.line, p.field])).toEqual([
      [2, "propensity"],
      [4, "reward"],
    ]);
  });

  it("returns the report as the generator's result too", async () => {
    const path = await fileOf("result.jsonl", [JSON.stringify(goodRow), "nope"]);
    const reader = readLog(path, { strict: false });
    let step = await reader.next();
    while (!step.done) step = await reader.next();
    expect(step.value).toMatchObject({ lines: 2, rowsRead: 1, skipped: 1 });
  });

  it("fails clearly on a missing file", async () => {
    await expect(readAll(join(dir, "missing.jsonl"))).rejects.toThrow(/ENOENT/);
  });
});

describe("writeJsonLines and the formatters", () => {
  it("round-trips log rows through a gzipped file, with and without candidates", async () => {
    const rows: LoggedDecision[] = [
      {
        tsMs: 5,
        userId: "u",
        sessionId: "s",
        context: { page: "home" },
        candidates: ["x", "y"],
        itemId: "y",
        position: 2,
        propensity: 0.25,
        reward: 0,
      },
      {
        tsMs: 6,
        userId: "u",
        sessionId: "s",
        context: {},
        candidates: null,
        itemId: "x",
        position: 0,
        propensity: 1,
        reward: 1,
      },
    ];
    const path = join(dir, "nested", "round.jsonl.gz");
    expect(await writeJsonLines(path, rows.map(formatLogRow))).toBe(2);
    expect(await readAll(path)).toEqual(rows);
    expect(formatLogRow(rows[1]!)).not.toContain("candidates");
  });

  it("round-trips a catalog with embeddings rounded to 6 significant digits", async () => {
    const path = join(dir, "catalog.jsonl");
    const embedding = Float32Array.from([0.123456789, -0.5, 1e-7]);
    await writeJsonLines(path, [
      formatCatalogItem({ itemId: "a", embedding, category: "shoes", attributes: { color: "red" }, available: true }),
      formatCatalogItem({ itemId: "b", embedding, category: "hats", attributes: {}, available: false }),
    ]);
    const items = await readCatalog(path);
    expect(items.map((i) => [i.itemId, i.category, i.attributes, i.available])).toEqual([
      ["a", "shoes", { color: "red" }, true],
      ["b", "hats", {}, false],
    ]);
    expect(Array.from(items[0]!.embedding)).toEqual(Array.from(Float32Array.from([0.123457, -0.5, 1e-7])));
  });
});

describe("readCatalog", () => {
  const item = (id: string, embedding: unknown = [1, 0], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ item_id: id, embedding, category: "c", attributes: { size: 42, sale: true }, ...extra });

  it("turns attribute numbers and booleans into strings", async () => {
    const [only] = await readCatalog(await fileOf("cat-ok.jsonl", [item("a")]));
    expect(only!.attributes).toEqual({ size: "42", sale: "true" });
  });

  it("names the line and field of a bad item", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[item("a"), item("b", [1, 0, 0])], /:2: "embedding" must have 2 numbers like the first item, got 3$/],
      [[item("a"), item("a")], /:2: "item_id" "a" appears twice$/],
      [[item("a", [1, "x"])], /:1: "embedding" must hold finite numbers only, got "x" at index 1$/],
      [[item("a", [])], /:1: "embedding" must be a non-empty array of numbers, got \[\]$/],
      [[item("a", [1, 0], { category: 5 })], /:1: "category" must be a string, got 5$/],
      [[item("a", [1, 0], { available: "yes" })], /:1: "available" must be true or false, got "yes"$/],
      [
        [item("a", [1, 0], { attributes: { tags: ["x"] } })],
        /:1: "attributes.tags" must be a string, number or boolean, got \["x"\]$/,
      ],
    ];
    for (const [lines, message] of cases) {
      const path = await fileOf(`cat-${Math.random().toString(36).slice(2)}.jsonl`, lines);
      await expect(readCatalog(path)).rejects.toThrow(message);
    }
  });

  it("skips bad items in lenient mode", async () => {
    const report = createReadReport();
    const items = await readCatalog(
      await fileOf("cat-lenient.jsonl", [item("a"), item("a"), item("b", [0, 1, 2]), item("c")]),
      { strict: false, report },
    );
    expect(items.map((i) => i.itemId)).toEqual(["a", "c"]);
    expect(report.skipped).toBe(2);
  });
});

describe("a log row's rules", () => {
  it("read back as written, and a bad one names its field", async () => {
    const rules = {
      pinned_ids: ["a"],
      max_per_category: 2,
      boosts: [{ attribute: "brand", value: "x", weight: -1.5 }],
    };
    const [row] = await readAll(await fileOf("rules.jsonl", [withField({ rules })]));
    expect(row!.rules).toEqual({
      pinnedIds: ["a"],
      maxPerCategory: 2,
      boosts: [{ attribute: "brand", value: "x", weight: -1.5 }],
    });
    expect(JSON.parse(formatLogRow(row!)).rules).toEqual(rules);
    const [partial] = await readAll(
      await fileOf("rules-partial.jsonl", [withField({ rules: { max_per_category: 1 } })]),
    );
    expect(partial!.rules).toEqual({ pinnedIds: [], maxPerCategory: 1, boosts: [] });
    expect(await errorFor(withField({ rules: { max_per_category: -1 } }))).toBe(
      'FILE:2: "rules.max_per_category" must be a whole number ≥ 0 (0 = no cap), got -1',
    );
    expect(await errorFor(withField({ rules: { boosts: [{ attribute: "a", value: "b", weight: "1" }] } }))).toBe(
      'FILE:2: "rules.boosts[0].weight" must be a finite number, got "1"',
    );
    expect(await errorFor(withField({ rules: { pinned_ids: [""] } }))).toMatch(/"rules.pinned_ids" must be an array/);
  });
});
