import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log";
import { durableStoresOn } from "../../../src/state/postgres/open-postgres-stores";
import { defaultReward, feedback, impression, modelUpdate, unitVector } from "./fixtures";
import { openMigrated, TEST_DIM, type DurableHarness } from "./harness";

export function describeForgetUserContract(harness: DurableHarness): void {
  describe(`EventLog.forgetUser on ${harness.engine}`, () => {
    afterEach(() => harness.closeAll());

    it("counts every writer's positive feedback for a starting replica, its own alone for a recount", async () => {
      const { stores, sql } = await openMigrated(harness);
      const other = durableStoresOn(sql, { embeddingDim: TEST_DIM, logger: silentLogger });
      await stores.events.appendFeedback([
        feedback("p1", { itemId: "i1", reward: 2 }),
        feedback("p2", { itemId: "i1", reward: -1, type: "dismiss" }),
      ]);
      await other.events.appendFeedback([
        feedback("p3", { itemId: "i1", reward: 5, type: "purchase", recommendationId: "r1" }),
        feedback("p4", { itemId: "i2", reward: 1 }),
      ]);
      await stores.events.appendFeedback([feedback("p5", { itemId: "i1", reward: 1 })]);
      expect(await stores.events.loggedPositiveFeedback(["i1", "i2", "i9"], 10)).toEqual(
        new Map([
          [
            "i1",
            [
              { reward: 2, organic: true },
              { reward: 5, organic: false },
              { reward: 1, organic: true },
            ],
          ],
          ["i2", [{ reward: 1, organic: true }]],
          ["i9", []],
        ]),
      );
      // The last `limit` of each item, still in log order.
      expect((await stores.events.loggedPositiveFeedback(["i1"], 2)).get("i1")).toEqual([
        { reward: 5, organic: false },
        { reward: 1, organic: true },
      ]);
      expect((await stores.events.ownPositiveFeedback(["i1"], 10)).get("i1")).toEqual([
        { reward: 2, organic: true },
        { reward: 1, organic: true },
      ]);
    });

    it("counts the model updates other writers logged after a position", async () => {
      const { stores, sql } = await openMigrated(harness);
      const other = durableStoresOn(sql, { embeddingDim: TEST_DIM, logger: silentLogger });
      await stores.events.appendDefaultRewards([defaultReward("r1", "a")]);
      await other.events.appendDefaultRewards([defaultReward("r1", "b"), defaultReward("r1", "c")]);
      await stores.events.appendImpressions([impression("r2", ["a"])]);
      const [mine, first, second] = await stores.events.modelUpdatesSince("0", 10);
      expect(await stores.events.othersModelUpdateCount("0", stores.events.writerId)).toBe(2);
      expect(await stores.events.othersModelUpdateCount(first!.seq, stores.events.writerId)).toBe(1);
      expect(await stores.events.othersModelUpdateCount(second!.seq, stores.events.writerId)).toBe(0);
      expect(await other.events.othersModelUpdateCount("0", other.events.writerId)).toBe(1);
      expect(await other.events.othersModelUpdateCount(mine!.seq, other.events.writerId)).toBe(0);
    });

    it("deletes the user's rows and profile, leaves tombstones and removals, then is a no-op", async () => {
      const { stores, sql } = await openMigrated(harness);
      const { events } = stores;
      await events.appendImpressions([impression("r1", ["a", "b"], { userId: "gone" })]);
      await events.appendFeedback([
        feedback("e1", { userId: "gone", modelUpdate: modelUpdate("a", 1), recommendationId: "r1" }),
        feedback("e2", { userId: "kept", modelUpdate: modelUpdate("a", 2), recommendationId: "r0" }),
        feedback("e3", { userId: "gone", recommendationId: null }, unitVector(TEST_DIM, 1)),
      ]);
      await events.appendDefaultRewards([{ ...defaultReward("r1", "b"), userId: "gone" }]);
      const before = await events.modelUpdatesSince("0", 100);
      expect(before.map((u) => u.effect)).toEqual(["add", "add", "add"]);

      const done = await events.forgetUser("gone");
      expect(done.eventsDeleted).toBe(4);
      expect(done.profileDeleted).toBe(true);
      expect(done.removed.map((r) => [r.update.itemId, r.seq, r.writer])).toEqual([
        ["a", before[0]!.seq, events.writerId],
        ["b", before[2]!.seq, events.writerId],
      ]);
      expect(Array.from(done.removed[0]!.update.shared)).toEqual(Array.from(before[0]!.shared));
      expect(await stores.users.get("gone")).toBeNull();
      expect((await stores.users.get("kept"))?.interactionCount).toBe(1);
      const { rows } = await sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM events WHERE user_id = 'gone' OR event_id IN ('e1', 'e3')",
      );
      expect(rows[0]!.n).toBe(0);

      // Tombstones keep their positions with no data; the removals come after, with the same vectors.
      const after = await events.modelUpdatesSince("0", 100);
      expect(after.map((u) => [u.effect, u.removesSeq])).toEqual([
        ["forgotten", null],
        ["add", null],
        ["forgotten", null],
        ["remove", before[0]!.seq],
        ["remove", before[2]!.seq],
        ["recount", null],
      ]);
      expect(done.positiveItemIds).toEqual(["i1"]);
      expect(after[5]!.itemId).toBe("i1");
      // What this handle's popularity counts are made of now: the kept user's click alone.
      expect(await events.ownPositiveFeedback(["i1", "i9"], 10)).toEqual(
        new Map([
          ["i1", [{ reward: 1, organic: false }]],
          ["i9", []],
        ]),
      );
      expect(after[0]!.seq).toBe(before[0]!.seq);
      expect(after[0]!.shared).toHaveLength(0);
      expect(Array.from(after[3]!.shared)).toEqual(Array.from(before[0]!.shared));
      expect(after[3]!.reward).toBe(before[0]!.reward);
      const page = await events.othersModelUpdatesSince("0", 100, "someone else");
      expect(page.updates.map((u) => u.effect)).toEqual([
        "forgotten",
        "add",
        "forgotten",
        "remove",
        "remove",
        "recount",
      ]);
      expect((await events.othersModelUpdatesSince("0", 100, events.writerId)).updates).toEqual([]);

      const again = await events.forgetUser("gone");
      expect(again).toEqual({ eventsDeleted: 0, profileDeleted: false, removed: [], positiveItemIds: [] });
      expect(await events.modelUpdatesSince("0", 100)).toHaveLength(6);
      // The forgotten event id may be sent again: it is a new event now.
      expect((await events.appendFeedback([feedback("e1", { userId: "gone" })])).outcomes).toEqual(["accepted"]);
    });
  });
}
