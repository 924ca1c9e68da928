import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeHybridState } from "../../src/bandit/hybrid-snapshot";
import { seededRandom } from "../../src/bandit/rng";
import { statisticsChecksum } from "../../src/bandit/statistics-checksum";
import { loadConfig, type Config } from "../../src/config";
import { examinedUpdate } from "../../src/engine/examination";
import { OnlineModel } from "../../src/engine/model";
import { ModelLogReader } from "../../src/engine/model-log-reader";
import { CandidateScorer } from "../../src/engine/ranker";
import { CandidateResolver, Decision, EvalCatalog } from "../../src/eval/decision";
import { evaluate } from "../../src/eval/evaluate";
import { formatLogRow, readLog, type LoggedDecision } from "../../src/eval/log-format";
import { LinUCBPolicy } from "../../src/eval/linucb-policy";
import { LoggedState } from "../../src/eval/logged-state";
import { warmStart } from "../../src/eval/warm-start";
import { silentLogger } from "../../src/log";
import type { CatalogItem, DurableStores } from "../../src/state/ports";
import { openPostgresStores } from "../../src/state/postgres/open-postgres-stores";
import { eventually } from "../helpers/eventually";
import { expectSameStatistics } from "../helpers/model-statistics";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, startTestService, testCatalog, type StoreKind, type TestStorage } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];
const DIM = 8;
const ITEMS = testCatalog(40, DIM);
const CATALOG: CatalogItem[] = ITEMS.map((item) => ({
  itemId: item.itemId!,
  embedding: Float32Array.from(item.embedding!),
  category: item.category!,
  attributes: item.attributes as Record<string, string>,
  available: true,
}));

/** A log of `rows` position-0 decisions over 6 candidates each, a few users and sessions, rewards 1, 0 and −1. */
function logRows(rows: number, seed: number, position = () => 0): LoggedDecision[] {
  const rng = seededRandom(seed);
  const out: LoggedDecision[] = [];
  for (let r = 0; r < rows; r++) {
    const start = Math.floor(rng() * (ITEMS.length - 6));
    const candidates = ITEMS.slice(start, start + 6).map((item) => item.itemId!);
    const itemId = candidates[Math.floor(rng() * 6)]!;
    const u = rng();
    out.push({
      tsMs: 1_700_000_000_000 + r * 20_000,
      userId: `u${r % 7}`,
      sessionId: `s${Math.floor(r / 9)}`,
      context: { device: r % 3 === 0 ? "mobile" : "desktop" },
      candidates,
      itemId,
      position: position(),
      propensity: 1 / 6,
      reward: u < 0.35 ? 1 : u < 0.45 ? -1 : 0,
    });
  }
  return out;
}

function configFor(storage: TestStorage, overrides: Partial<Config> = {}): Config {
  return loadConfig({}, { logLevel: "silent", embeddingDim: DIM, ...storage.overrides, ...overrides });
}

async function openDurable(config: Config): Promise<DurableStores> {
  const durable = await openPostgresStores(
    config.databaseUrl
      ? { url: config.databaseUrl, embeddingDim: DIM, logger: silentLogger }
      : { dataDir: config.dataDir, embeddingDim: DIM, logger: silentLogger },
  );
  await durable.migrate();
  return durable;
}

/** The service's policy trained offline by the evaluator on every row of the log (its off-policy instance). */
async function replayedModel(file: string, config: Config): Promise<LinUCBPolicy> {
  let policy: LinUCBPolicy | undefined;
  await evaluate(readLog(file), {
    catalog: CATALOG,
    estimators: ["ips"],
    bootstrap: 0,
    policies: [
      {
        name: "replayed",
        create: (catalog) =>
          (policy = new LinUCBPolicy(
            catalog,
            { kind: "linucb", alpha: config.alpha, epsilon: 0, session: true, longTerm: true },
            "replayed",
          )),
      },
    ],
  });
  return policy!;
}

describe.each(kinds)("recs warm-start (%s stores)", (kind) => {
  let dir: string;
  let storage: TestStorage | undefined;
  let enabled = true;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "recs-warm-"));
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) {
      enabled = false;
      return;
    }
    storage = await createTestStorage(kind);
    const t = await startTestService(storage, { embeddingDim: DIM });
    await t.client.upsertItems(ITEMS);
    t.client.close();
    await t.service.stop();
  });
  afterAll(async () => {
    await storage?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("trains the model the evaluator replays, saves it as the snapshot serve starts from, " +
    "and the service ranks as that model does", { timeout: 120_000 }, async ({ skip }) => {
    if (!enabled) skip();
    const file = join(dir, "log.jsonl");
    const rows = logRows(300, 5);
    await writeFile(file, `${rows.map(formatLogRow).join("\n")}\n`);
    const config = configFor(storage!, { epsilon: 0 });
    const durable = await openDurable(config);
    let summary: Awaited<ReturnType<typeof warmStart>>;
    try {
      summary = await warmStart(file, { durable, config, logger: silentLogger });
      expect(await durable.snapshots.latest()).toMatchObject({ modelVersion: summary.modelVersion });
    } finally {
      await durable.close();
    }
    expect(summary).toMatchObject({ rows: 300, updates: 300, duplicates: 0, updatesBefore: 0 });
    expect(summary.modelVersion).toBe(`hlinucb-d${DIM}-u300`);

    const reference = await replayedModel(file, config);
    const t = await startTestService(storage!, { embeddingDim: DIM, epsilon: 0 });
    try {
      const served = t.service.engine.model;
      expectSameStatistics(
        decodeHybridState(served.bandit.exportState()),
        decodeHybridState(reference.model.bandit.exportState()),
      );
      const candidateIds = ITEMS.slice(3, 15).map((item) => item.itemId!);
      const rec = await t.client.recommend({
        userId: "new-shopper",
        k: 12,
        candidateIds,
        context: { device: "mobile" },
      });
      expect(OnlineModel.updatesOfVersion(rec.modelVersion)).toBe(300);

      // The reference's scores for the same request: no session, no profile, the same context.
      const catalog = new EvalCatalog(CATALOG);
      const resolved = new CandidateResolver(catalog).resolve(candidateIds);
      if ("unknownId" in resolved) throw new Error(resolved.unknownId);
      const request: LoggedDecision = {
        ...rows[0]!,
        userId: "new-shopper",
        sessionId: "none",
        candidates: candidateIds,
      };
      request.context = { device: "mobile" };
      request.itemId = candidateIds[0]!;
      const decision = new Decision(0, request, resolved, 0, catalog, new LoggedState(catalog.mirror));
      const scores = new CandidateScorer(reference.model.spec).scoreAll(
        reference.model.bandit,
        decision.scoreRequest(),
      );
      const expected = candidateIds
        .map((itemId, c) => ({ itemId, score: scores[c]! }))
        .sort((a, b) => b.score - a.score);
      expect(rec.items.map((item) => item.itemId)).toEqual(expected.map((e) => e.itemId));
      for (const [i, item] of rec.items.entries()) expect(item.score).toBeCloseTo(expected[i]!.score, 9);
      // Trained scores, not the prior's: a fresh model ranks these differently.
      const fresh = OnlineModel.create({ dim: DIM, alpha: config.alpha });
      const prior = new CandidateScorer(fresh.spec).scoreAll(fresh.bandit, decision.scoreRequest());
      expect(Array.from(prior)).not.toEqual(Array.from(scores));
    } finally {
      t.client.close();
      await t.service.stop();
    }

    // The same rows again: nothing is logged twice, the model stays as it was.
    const again = await openDurable(config);
    try {
      const second = await warmStart(file, { durable: again, config, logger: silentLogger });
      expect(second).toMatchObject({ rows: 300, updates: 0, duplicates: 300, updatesBefore: 300 });
      expect(second.modelVersion).toBe(summary.modelVersion);
    } finally {
      await again.close();
    }

    // DeleteUser takes a user's warm-start updates back, as it does their feedback's.
    const u0 = rows.filter((row) => row.userId === "u0").length;
    const after = await startTestService(storage!, { embeddingDim: DIM });
    try {
      expect((await after.client.deleteUser("u0")).modelUpdated).toBe(true);
      expect(after.service.engine.model.updateCount).toBe(300 - u0);
    } finally {
      after.client.close();
      await after.service.stop();
    }
  });

  it("scales each row's update by its slot's examination weight, as the feedback path does", async ({ skip }) => {
    if (!enabled) skip();
    const file = join(dir, "positions.jsonl");
    const rows = logRows(20, 9, () => 2).map((row) => ({ ...row, reward: 1, userId: "p-user", sessionId: "p-s" }));
    await writeFile(file, `${rows.map(formatLogRow).join("\n")}\n`);
    const config = configFor(storage!, { positionDiscount: 1 });
    const durable = await openDurable(config);
    try {
      const summary = await warmStart(file, { durable, config, logger: silentLogger });
      expect(summary.updates).toBe(rows.length);
      const warm = OnlineModel.fromSnapshot((await durable.snapshots.latest())!.data, {
        dim: DIM,
        alpha: config.alpha,
      })!;
      // The expected model: every update logged before these rows, then each row's φ scaled by 1/(1+2).
      const logged = await durable.events.modelUpdatesSince("0", 10_000);
      const expected = OnlineModel.create({ dim: DIM, alpha: config.alpha });
      // Through the reader every replica follows the log with: a DeleteUser's tombstones and removals included.
      new ModelLogReader(expected).apply(logged.slice(0, -rows.length));
      const catalog = new EvalCatalog(CATALOG);
      const resolver = new CandidateResolver(catalog);
      const state = new LoggedState(catalog.mirror);
      const scorer = new CandidateScorer(expected.spec);
      const shared = new Float32Array(expected.spec.sharedDim);
      const arm = new Float32Array(expected.spec.armDim);
      const tail = logged.slice(-rows.length);
      rows.forEach((row, i) => {
        const resolved = resolver.resolve(row.candidates);
        if ("unknownId" in resolved) throw new Error(resolved.unknownId);
        const index = resolved.ids.indexOf(row.itemId);
        scorer.servedFeatures(new Decision(i, row, resolved, index, catalog, state).scoreRequest(), index, shared, arm);
        state.observe(row);
        const scaled = examinedUpdate({ itemId: row.itemId, position: 2, shared, arm }, 1, 1);
        expect(Array.from(tail[i]!.shared)).toEqual(Array.from(scaled.shared));
        expect(Array.from(tail[i]!.arm)).toEqual(Array.from(scaled.arm));
        expect(Math.max(...scaled.shared.map(Math.abs))).toBeLessThan(Math.max(...shared.map(Math.abs)));
        expected.apply(scaled);
      });
      expectSameStatistics(
        decodeHybridState(warm.bandit.exportState()),
        decodeHybridState(expected.bandit.exportState()),
      );
    } finally {
      await durable.close();
    }
  });

  // Embedded stores are one process's: the data folder's lock keeps a warm start from running beside a
  // server, so this case exists on Postgres only (not registered, rather than skipped, on embedded).
  if (kind === "real")
    it("a replica running meanwhile (Postgres) takes the warm start from the log and agrees with the snapshot", async ({
      skip,
    }) => {
      if (!enabled) skip();
      const t = await startTestService(storage!, { embeddingDim: DIM });
      try {
        const file = join(dir, "beside-a-replica.jsonl");
        await writeFile(file, `${logRows(50, 21).map(formatLogRow).join("\n")}\n`);
        const before = t.service.engine.model.updateCount;
        const config = configFor(storage!);
        const durable = await openDurable(config);
        let snapshotModel: OnlineModel;
        try {
          const summary = await warmStart(file, { durable, config, logger: silentLogger });
          expect(summary).toMatchObject({ updates: 50, updatesBefore: before });
          snapshotModel = OnlineModel.fromSnapshot((await durable.snapshots.latest())!.data, {
            dim: DIM,
            alpha: config.alpha,
          })!;
        } finally {
          await durable.close();
        }
        await eventually(async () => expect(t.service.engine.model.updateCount).toBe(before + 50), 10_000);
        expect(statisticsChecksum(t.service.engine.model.bandit.exportState())).toBe(
          statisticsChecksum(snapshotModel.bandit.exportState()),
        );
      } finally {
        t.client.close();
        await t.service.stop();
      }
    });

  it("stops at a bad line with its line number and field, having written nothing", async ({ skip }) => {
    if (!enabled) skip();
    const rows = logRows(5, 3).map(formatLogRow);
    const cases: Array<[string, string[], RegExp]> = [
      [
        "propensity",
        [...rows.slice(0, 3), rows[3]!.replace(/"propensity":[^,]+/, '"propensity":2')],
        /:4: "propensity" must be in \(0, 1\], got 2/,
      ],
      ["json", [rows[0]!, "", "{not json"], /:3: is not valid JSON/],
      [
        "unknown item",
        [rows[0]!, rows[1]!.replace(/"item-\d+"\]/, '"item-999"]')],
        /:2: "candidates" names item "item-999", which is not in the catalog/,
      ],
      ["missing user", [rows[0]!.replace(/"user_id":"[^"]+",/, "")], /:1: "user_id" must be a non-empty string/],
    ];
    const config = configFor(storage!);
    const durable = await openDurable(config);
    try {
      for (const [name, lines, message] of cases) {
        const file = join(dir, `bad-${name.replace(" ", "-")}.jsonl`);
        await writeFile(file, `${lines.join("\n")}\n`);
        const seq = await durable.events.latestSeq();
        const snapshot = await durable.snapshots.latest();
        await expect(warmStart(file, { durable, config, logger: silentLogger }), name).rejects.toThrow(message);
        expect(await durable.events.latestSeq(), name).toBe(seq);
        expect((await durable.snapshots.latest())?.eventSeq, name).toBe(snapshot?.eventSeq);
      }
    } finally {
      await durable.close();
    }
  });

  it("trains the surface it names, and leaves the others as they were", { timeout: 60_000 }, async ({ skip }) => {
    if (!enabled) skip();
    const file = join(dir, "home.jsonl");
    await writeFile(file, `${logRows(80, 9).map(formatLogRow).join("\n")}\n`);
    const config = configFor(storage!);
    const before = await startTestService(storage!, { embeddingDim: DIM });
    let defaultVersion: string;
    try {
      defaultVersion = (await before.client.recommend({ userId: "x", k: 3 })).modelVersion;
    } finally {
      before.client.close();
      await before.service.stop();
    }
    const durable = await openDurable(config);
    try {
      const summary = await warmStart(file, { durable, config, surface: "home", logger: silentLogger });
      expect(summary).toMatchObject({ rows: 80, updates: 80 });
      expect(summary.modelVersion).toBe(`hlinucb-d${DIM}-u80@home`);
      // The same rows on another surface are that surface's, not duplicates of home's.
      const cart = await warmStart(file, { durable, config, surface: "cart", logger: silentLogger });
      expect(cart).toMatchObject({ updates: 80, duplicates: 0, modelVersion: `hlinucb-d${DIM}-u80@cart` });
    } finally {
      await durable.close();
    }
    const t = await startTestService(storage!, { embeddingDim: DIM });
    try {
      expect((await t.client.recommend({ userId: "x", k: 3, surface: "home" })).modelVersion).toBe(
        `hlinucb-d${DIM}-u80@home`,
      );
      expect((await t.client.recommend({ userId: "x", k: 3 })).modelVersion).toBe(defaultVersion);
    } finally {
      t.client.close();
      await t.service.stop();
    }
  });
});
