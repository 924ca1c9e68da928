import { describe, expect, it } from "vitest";
import { runEvaluate } from "../../src/cli/evaluate-command";
import { clickProbability } from "../../src/world/click-model";
import { catalogItems } from "../../src/world/log-generator";
import { createRandom } from "../../src/world/random";
import { sessionStream } from "../../src/world/sessions";
import { createWorld } from "../../src/world/world";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, startTestService, type StoreKind, type TestService } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];
const DIM = 16;
const DECISIONS = 600;
const K = 3;

/**
 * Simulated shoppers through the real service over gRPC: organic clicks, recommendations, clicks on them
 * as the world's click model decides, default rewards swept as time passes. Returns the click rate
 * slot 0 earned (what the estimators value: the expected reward of slot 0).
 */
async function shop(t: TestService, world: ReturnType<typeof createWorld>): Promise<number> {
  const rng = createRandom("own-log");
  const clicks = rng.fork("clicks");
  const stream = sessionStream(world, rng.fork("sessions"));
  let eventCounter = 0;
  let decisions = 0;
  let slotZeroClicks = 0;
  const click = (session: { sessionId: string; user: { userId: string } }, itemId: string, recommendationId = "") =>
    t.client.feedback({
      eventId: `e${eventCounter++}`,
      userId: session.user.userId,
      sessionId: session.sessionId,
      itemId,
      type: "CLICK",
      recommendationId,
    });
  // A session's next request waits for its earlier feedback, as a shopper's next page would; feedback of
  // different sessions overlaps, so the service's group commit batches it.
  const pending = new Map<string, Promise<unknown>[]>();
  const send = (sessionId: string, sent: Promise<unknown>) =>
    pending.set(sessionId, [...(pending.get(sessionId) ?? []), sent]);
  while (decisions < DECISIONS) {
    const event = stream.next().value;
    if (event.kind === "browse") {
      send(event.session.sessionId, click(event.session, world.items[event.itemIndex]!.itemId));
      continue;
    }
    await Promise.all(pending.get(event.session.sessionId) ?? []);
    pending.delete(event.session.sessionId);
    const rec = await t.client.recommend({
      userId: event.session.user.userId,
      sessionId: event.session.sessionId,
      k: K,
      context: { device: event.context.device, page: event.context.page },
    });
    for (const slot of rec.items) {
      const item = world.items[world.itemIndexById.get(slot.itemId)!]!;
      if (!clicks.chance(clickProbability(world, event.session, item, slot.position, event.context))) continue;
      if (slot.position === 0) slotZeroClicks++;
      send(event.session.sessionId, click(event.session, slot.itemId, rec.recommendationId));
    }
    decisions++;
    if (decisions % 25 === 0) await t.service.engine.sweepDefaultRewards();
  }
  await Promise.all([...pending.values()].flat());
  await t.service.engine.sweepDefaultRewards();
  return slotZeroClicks / DECISIONS;
}

describe.each(kinds)("own-log evaluation of the live policy (%s stores)", (kind) => {
  it("recomputes the logged propensities exactly and covers the click rate the service earned", async ({ skip }) => {
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) skip();
    const storage = await createTestStorage(kind);
    try {
      const world = createWorld({ items: 300, dim: DIM, categories: 8, users: 300, brands: 20 }, 11);
      const t = await startTestService(storage, { embeddingDim: DIM, rewardWaitMs: 1 });
      let earned: number;
      try {
        const upserted = await t.client.upsertItems(
          catalogItems(world).map((item) => ({ ...item, embedding: Array.from(item.embedding) })),
        );
        expect(Number(upserted.upserted)).toBe(world.items.length);
        earned = await shop(t, world);
      } finally {
        t.client.close();
        await t.service.stop();
      }
      const out: string[] = [];
      const evaluateLive = (env: Record<string, string> = {}) =>
        runEvaluate(
          {
            fromDb: true,
            policy: [{ kind: "live" }, { kind: "random" }],
            estimator: [],
            bootstrap: 200,
            seed: 1,
            progress: false,
          },
          {
            out: (text) => out.push(text),
            progress: process.stderr,
            env: { ...storage.env, RECS_EMBEDDING_DIM: String(DIM), RECS_LOG_LEVEL: "silent", ...env },
          },
        );
      const result = await evaluateLive();
      console.log(out.join("\n"));
      const log = result.log;
      expect(log.rowsEvaluated).toBe(DECISIONS);
      expect(log.exactRows).toBe(DECISIONS);
      expect(log.meanReward).toBeCloseTo(earned, 12);
      expect(result.warnings.filter((w) => !w.includes("replay is biased"))).toEqual([]);
      // live is the logging policy: the same model (rebuilt from the logged updates), the same φ, so
      // the same probability for the logged item on every row, and every importance weight 1.
      expect(result.live).toMatchObject({ rows: DECISIONS, exactRows: DECISIONS, reproduced: DECISIONS });
      expect(result.live!.maxDifference).toBeLessThanOrEqual(1e-9);
      const live = result.policies[0]!;
      expect(live.name).toMatch(/^live \(alpha=0\.25,epsilon=0\.025/);
      expect(live.estimates.ips!.maxWeight).toBeLessThanOrEqual(1 + 1e-9);
      expect(live.estimates.snips!.weightSum).toBeCloseTo(DECISIONS, 6);
      expect(live.estimates.ips!.value).toBeCloseTo(earned, 9);
      for (const estimator of ["ips", "snips", "dr"] as const) {
        const [low, high] = live.estimates[estimator]!.ci;
        expect(low, estimator).toBeLessThanOrEqual(earned);
        expect(high, estimator).toBeGreaterThanOrEqual(earned);
      }
      // The service learned: it earned more at slot 0 than a uniform pick among its own candidates would.
      expect(earned).toBeGreaterThan(result.policies[1]!.estimates.snips!.value);

      // live with another α than the run's is another policy: the check says so.
      const wider = await evaluateLive({ RECS_ALPHA: "3" });
      expect(wider.policies[0]!.name).toMatch(/^live \(alpha=3,/);
      expect(wider.live!.reproduced).toBeLessThan(DECISIONS);
      expect(wider.warnings.join("\n")).toMatch(/live did not reproduce the logged propensity on \d+ of 600 rows/);
    } finally {
      await storage.drop();
    }
  }, 240_000);
});
