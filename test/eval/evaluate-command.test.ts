import { Command } from "commander";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerEvaluateCommand, type EvaluateIo } from "../../src/cli/evaluate-command";
import { decisionsFromStore } from "../../src/eval/db-source";
import { formatCatalogItem, formatLogRow, writeJsonLines } from "../../src/eval/log-format";
import { openPostgresStores } from "../../src/state/postgres/open-postgres-stores";
import { catalogItems, generateLog } from "../../src/world/log-generator";
import { createWorld } from "../../src/world/world";
import { SMALL_WORLD } from "../world/small-world";

const world = createWorld(SMALL_WORLD, 5);
let dir: string;
let catalogPath: string;
let logPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "recs-evaluate-"));
  catalogPath = join(dir, "catalog.jsonl");
  logPath = join(dir, "log.jsonl.gz");
  await writeJsonLines(catalogPath, catalogItems(world).map(formatCatalogItem));
  await writeJsonLines(
    logPath,
    [...generateLog(world, { policy: "uniform", events: 1500, candidatesPerEvent: 8, seed: 1 })].map(formatLogRow),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `recs evaluate ARGS` through the exported registration; returns what it printed. */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const printed: string[] = [];
  const io: EvaluateIo = {
    out: (text) => printed.push(text),
    progress: new Writable({ write: (_c, _e, done) => done() }),
    env,
  };
  const program = new Command("recs").exitOverride().configureOutput({ writeErr: () => undefined });
  registerEvaluateCommand(program, io);
  await program.parseAsync(["node", "recs", "evaluate", ...args]);
  return printed.join("\n");
}

describe("recs evaluate", () => {
  it("prints the table and writes the JSON report and the SVG chart", async () => {
    const json = join(dir, "out", "report.json");
    const chart = join(dir, "out", "chart.svg");
    const printed = await run([
      "--catalog",
      catalogPath,
      "--log",
      logPath,
      "--policy",
      "random",
      "--policy",
      "popularity",
      "--policy",
      "egreedy:epsilon=0.1",
      "--policy",
      "linucb:alpha=0.5,epsilon=0.05,session=on,longterm=on",
      "--bootstrap",
      "50",
      "--seed",
      "3",
      "--clip",
      "20",
      "--json",
      json,
      "--chart",
      chart,
    ]);
    expect(printed).toMatch(/^policy\s+replay \(n\)\s+ips \(n\)\s+snips \(n\)\s+dr \(n\)/);
    expect(printed).toMatch(/linucb:alpha=0\.5,epsilon=0\.05,session=on,longterm=on\s+\d\.\d{4} \[/);
    expect(printed).toContain("1500 decisions evaluated (of 1500 rows read)");
    const report = JSON.parse(await readFile(json, "utf8"));
    expect(report.log).toMatchObject({
      source: logPath,
      rowsRead: 1500,
      rowsEvaluated: 1500,
      uniformLogging: true,
      malformedLines: 0,
    });
    expect(report.policies.map((p: { name: string }) => p.name)).toEqual([
      "random",
      "popularity",
      "egreedy:epsilon=0.1",
      "linucb:alpha=0.5,epsilon=0.05,session=on,longterm=on",
    ]);
    for (const policy of report.policies) {
      for (const name of ["replay", "ips", "snips", "dr"]) {
        const estimate = policy.estimates[name];
        expect(estimate.ci[0]).toBeLessThanOrEqual(estimate.value);
        expect(estimate.value).toBeLessThanOrEqual(estimate.ci[1]);
        expect(estimate.n).toBeGreaterThan(0);
      }
      expect(policy.estimates.ips.clipped).toBeGreaterThanOrEqual(0);
    }
    expect(report.settings).toEqual({
      estimators: ["replay", "ips", "snips", "dr"],
      bootstrap: 50,
      seed: 3,
      clip: 20,
      confidence: 0.95,
    });
    const svg = await readFile(chart, "utf8");
    expect(svg).toMatch(/^<svg /);
    // One panel per estimator, replay first on this uniform log; each policy a line and a band in each.
    expect(svg).toContain("Estimated reward over the log");
    const titles = ["replay", "IPS", "SNIPS", "doubly robust"].map((t) =>
      svg.indexOf(`font-weight="bold">${t}</text>`),
    );
    expect(titles.every((at) => at > 0)).toBe(true);
    expect([...titles].sort((a, b) => a - b)).toEqual(titles);
    expect(svg).toContain("linucb α=0.5 ε=0.05 +s +l: ");
    expect(svg.match(/<path /g)).toHaveLength(16);
    expect(svg.match(/<polygon /g)).toHaveLength(16);
    // Same seed, same numbers.
    const again = join(dir, "out", "again.json");
    await run([
      "--catalog",
      catalogPath,
      "--log",
      logPath,
      "--policy",
      "linucb",
      "--bootstrap",
      "50",
      "--seed",
      "3",
      "--clip",
      "20",
      "--json",
      again,
    ]);
    const second = JSON.parse(await readFile(again, "utf8"));
    expect(second.policies[0].estimates).toEqual(report.policies[3].estimates);
  });

  it("counts, skips and reports bad lines; --strict stops at the first with file:line and field", async () => {
    const rows = [...generateLog(world, { policy: "uniform", events: 50, candidatesPerEvent: 8, seed: 2 })].map(
      formatLogRow,
    );
    const broken = JSON.parse(rows[3]!);
    broken.propensity = 0;
    const unknown = JSON.parse(rows[7]!);
    unknown.candidates[unknown.candidates[0] === unknown.item_id ? 1 : 0] = "no-such-item";
    const lines = [
      ...rows.slice(0, 3),
      JSON.stringify(broken),
      ...rows.slice(4, 7),
      JSON.stringify(unknown),
      "{not json",
      ...rows.slice(8),
    ];
    const path = join(dir, "bad.jsonl");
    await writeFile(path, `${lines.join("\n")}\n`);
    const printed = await run([
      "--catalog",
      catalogPath,
      "--log",
      path,
      "--policy",
      "random",
      "--bootstrap",
      "10",
      "--json",
      join(dir, "bad.json"),
    ]);
    expect(printed).toContain("2 malformed lines skipped:");
    expect(printed).toContain(`${path}:4: "propensity" must be in (0, 1], got 0`);
    expect(printed).toContain(`${path}:9: is not valid JSON`);
    expect(printed).toContain(
      `1 rows skipped for items not in the catalog:\n  ${path}:8: "candidates" names item "no-such-item", ` +
        `which is not in the catalog`,
    );
    const report = JSON.parse(await readFile(join(dir, "bad.json"), "utf8"));
    expect(report.log).toMatchObject({ rowsEvaluated: 48, malformedLines: 2, unknownItems: 1 });

    await expect(run(["--catalog", catalogPath, "--log", path, "--policy", "random", "--strict"])).rejects.toThrow(
      `${path}:4: "propensity" must be in (0, 1], got 0`,
    );
    const onlyUnknown = join(dir, "unknown.jsonl");
    await writeFile(onlyUnknown, `${[...rows.slice(0, 7), JSON.stringify(unknown)].join("\n")}\n`);
    await expect(run(["--catalog", catalogPath, "--log", onlyUnknown, "--strict"])).rejects.toThrow(
      `${onlyUnknown}:8: "candidates" names item "no-such-item"`,
    );
    await expect(run(["--log", onlyUnknown])).rejects.toThrow(/give --catalog FILE and --log FILE, or --from-db/);
    await expect(run(["--catalog", catalogPath, "--log", onlyUnknown, "--policy", "thompson"])).rejects.toThrow(
      /unknown kind "thompson"/,
    );
  });

  it("--from-db evaluates the service's own logged decisions from the embedded store", async () => {
    const dataDir = join(dir, "db");
    const items = catalogItems(world).slice(0, 30);
    const durable = await openPostgresStores({ dataDir, embeddingDim: world.params.dim });
    try {
      await durable.migrate();
      await durable.items.upsert(items);
      const impressions = Array.from({ length: 40 }, (_, i) => ({
        recommendationId: `r${i}`,
        userId: `u${i % 7}`,
        sessionId: `s${i % 11}`,
        occurredAtMs: 1_700_000_000_000 + i * 1000,
        modelVersion: "v",
        context: { page: i % 2 === 0 ? "home" : "cart" },
        candidateCount: items.length,
        items: [
          { itemId: items[i % 30]!.itemId, position: 0, propensity: 1 / 30, score: 0, explored: true },
          { itemId: items[(i + 1) % 30]!.itemId, position: 1, propensity: 1 / 29, score: 0, explored: true },
        ],
      }));
      await durable.events.appendImpressions(impressions);
      await durable.events.appendFeedback(
        impressions
          .filter((_, i) => i % 4 === 0)
          .map((imp, i) => ({
            record: {
              eventId: `e${i}`,
              userId: imp.userId,
              sessionId: imp.sessionId,
              itemId: imp.items[0]!.itemId,
              type: "click" as const,
              recommendationId: imp.recommendationId,
              reward: 1,
              occurredAtMs: imp.occurredAtMs + 10,
              modelUpdate: null,
            },
            userEmbedding: null,
          })),
      );
      // Read page by page, an impression's rows never split between pages: the same rows as in one page.
      const read = async (pageSize: number) => {
        const rows = [];
        for await (const row of decisionsFromStore(durable, 1000, { strict: true, onProblem: () => {}, pageSize }))
          rows.push(row);
        return rows;
      };
      const whole = await read(1000);
      expect(whole).toHaveLength(80);
      expect(await read(3)).toEqual(whole);
    } finally {
      await durable.close();
    }
    const json = join(dir, "db.json");
    const printed = await run(
      ["--from-db", "--policy", "random", "--policy", "linucb", "--bootstrap", "20", "--json", json],
      { RECS_DATA_DIR: dataDir, RECS_EMBEDDING_DIM: String(world.params.dim) },
    );
    expect(printed).toContain("40 decisions evaluated (of 80 rows read)");
    expect(printed).toContain("40 rows at a position other than 0");
    // Rows logged without their serving state (as before migration 004) still evaluate, approximately.
    expect(printed).toContain("40 of 40 impressions were logged without their candidates and serving state");
    const report = JSON.parse(await readFile(json, "utf8"));
    expect(report.log).toMatchObject({
      source: "events (database)",
      rowsEvaluated: 40,
      meanReward: 0.25,
      uniformLogging: true,
    });
    // A uniform target over the same 30 items as the logging policy: every weight is 1, IPS = mean reward.
    expect(report.policies[0].estimates.ips.value).toBeCloseTo(0.25, 12);
    await expect(run(["--from-db", "--log", logPath])).rejects.toThrow(/leave out --catalog and --log/);
    await expect(run(["--catalog", catalogPath, "--log", logPath, "--policy", "live"])).rejects.toThrow(
      /live is the service's own policy replayed from its event log: it needs --from-db/,
    );
    await expect(run(["--from-db", "--policy", "live:prior=1"])).rejects.toThrow(
      /"prior" is not a setting of live; it takes alpha, epsilon/,
    );
    await expect(run(["--from-db", "--policy", "live:alpha=101"])).rejects.toThrow(
      /alpha must be a number in \[0, 100\]/,
    );
  }, 60_000);
});
