import { afterEach, describe, expect, it } from "vitest";
import type { DurableStores, LoggedModelUpdate } from "../../../src/state/ports";
import {
  awkwardVector,
  DAY_MS,
  defaultReward,
  feedback,
  impression,
  modelUpdate,
  NOW_MS,
  unitVector,
} from "./fixtures";
import { openMigrated, TEST_DIM, type DurableHarness } from "./harness";
import { ROWS_PER_STATEMENT } from "../../../src/state/postgres/event-rows";
import { MODEL_UPDATE_LOCK_CLASS } from "../../../src/state/postgres/postgres-event-log";
import { RejectedData } from "../../../src/state/rejected-data";

const plainUpdate = (u: LoggedModelUpdate) => ({ ...u, shared: Array.from(u.shared), arm: Array.from(u.arm) });

export function describeEventLogContract(harness: DurableHarness): void {
  describe(`EventLog on ${harness.engine}`, () => {
    afterEach(() => harness.closeAll());

    it("accepts new feedback, reports duplicates, and counts only accepted events on the user", async () => {
      const { stores } = await openMigrated(harness);
      const first = unitVector(TEST_DIM, 0);
      expect((await stores.events.appendFeedback([feedback("e1", {}, first), feedback("e2")])).outcomes).toEqual([
        "accepted",
        "accepted",
      ]);
      // e2 again carries a new embedding: being a duplicate, it must change nothing.
      const { outcomes } = await stores.events.appendFeedback([
        feedback("e2", {}, unitVector(TEST_DIM, 3)),
        feedback("e3", { userId: "u2" }),
      ]);
      expect(outcomes).toEqual(["duplicate", "accepted"]);
      const u1 = await stores.users.get("u1");
      expect(u1?.interactionCount).toBe(2);
      expect(Array.from(u1!.embedding!)).toEqual(Array.from(first));
      expect((await stores.users.get("u2"))?.interactionCount).toBe(1);
    });

    it("returns each user it changed as committed, other writers' events included", async () => {
      const { stores, replica } = await openMigrated(harness);
      const other: DurableStores = replica ? await replica() : stores;
      await other.events.appendFeedback([feedback("elsewhere", { userId: "ann" }, unitVector(TEST_DIM, 2))]);
      const written = await stores.events.appendFeedback([
        feedback("a1", { userId: "ann" }),
        feedback("b1", { userId: "bob" }, awkwardVector(3)),
        feedback("a2", { userId: "ann" }),
      ]);
      expect(written.outcomes).toEqual(["accepted", "accepted", "accepted"]);
      const byUser = new Map(written.users.map((u) => [u.userId, u]));
      expect([...byUser.keys()].sort()).toEqual(["ann", "bob"]);
      expect(byUser.get("ann")).toEqual(await stores.users.get("ann"));
      expect(byUser.get("ann")!.interactionCount).toBe(3);
      expect(Array.from(byUser.get("ann")!.embedding!)).toEqual(Array.from(unitVector(TEST_DIM, 2)));
      expect(Array.from(byUser.get("bob")!.embedding!)).toEqual(Array.from(awkwardVector(3)));
      // Only duplicates: the user did not change, and is not listed.
      expect(await stores.events.appendFeedback([feedback("a1", { userId: "ann" })])).toEqual({
        outcomes: ["duplicate"],
        users: [],
      });
      // The same through the many-statement path.
      const big = Array.from({ length: ROWS_PER_STATEMENT + 1 }, (_, i) =>
        feedback(`many-${i}`, { userId: i % 2 ? "ann" : "cy" }),
      );
      const many = await stores.events.appendFeedback(big);
      expect(new Map(many.users.map((u) => [u.userId, u.interactionCount]))).toEqual(
        new Map([
          ["ann", 3 + ROWS_PER_STATEMENT / 2],
          ["cy", ROWS_PER_STATEMENT / 2 + 1],
        ]),
      );
    });

    it("tells a reused event id with another payload (conflict) from the same event again (duplicate)", async () => {
      const { stores } = await openMigrated(harness);
      const original = feedback("k1", {
        userId: "kim",
        sessionId: "ks",
        itemId: "i1",
        type: "purchase",
        recommendationId: "r1",
        reward: 5,
        modelUpdate: modelUpdate("i1", 1),
      });
      expect((await stores.events.appendFeedback([original])).outcomes).toEqual(["accepted"]);
      // The time never tells events apart (a retry of an event sent with occurred_at_ms 0 has another "now").
      const again = { ...original, record: { ...original.record, occurredAtMs: NOW_MS + 60_000, modelUpdate: null } };
      const changes: Array<Partial<typeof original.record>> = [
        { userId: "other" },
        { sessionId: "other" },
        { itemId: "i2" },
        { type: "click" },
        { recommendationId: null },
        { recommendationId: "r2" },
        { reward: 5.000001 },
      ];
      const written = await stores.events.appendFeedback([
        again,
        ...changes.map((change) => ({ ...original, record: { ...original.record, ...change } })),
      ]);
      expect(written.outcomes).toEqual(["duplicate", ...changes.map(() => "conflict")]);
      expect(written.users).toEqual([]);
      // Within one batch: the first occurrence is logged, a later one with another payload is a conflict.
      const inBatch = await stores.events.appendFeedback([
        feedback("k2"),
        feedback("k2"),
        feedback("k2", { itemId: "i9" }),
      ]);
      expect(inBatch.outcomes).toEqual(["accepted", "duplicate", "conflict"]);
      // The log's own ids (an impression's) are not a feedback event's.
      await stores.events.appendImpressions([impression("r7", ["i1"])]);
      expect((await stores.events.appendFeedback([feedback("imp:r7")])).outcomes).toEqual(["conflict"]);
      // The many-statement path compares the same way.
      const big = Array.from({ length: ROWS_PER_STATEMENT }, (_, i) => feedback(`kb-${i}`));
      big.push(
        feedback("kb-3", { sessionId: "elsewhere" }),
        feedback("k1", {
          userId: "kim",
          sessionId: "ks",
          itemId: "i1",
          type: "purchase",
          recommendationId: "r1",
          reward: 5,
        }),
      );
      expect((await stores.events.appendFeedback(big)).outcomes.slice(-2)).toEqual(["conflict", "duplicate"]);
      expect((await stores.users.get("kim"))?.interactionCount).toBe(1);
      expect(await stores.users.get("other")).toBeNull();
    });

    it("treats a repeated id inside one batch as one accepted event", async () => {
      const { stores } = await openMigrated(harness);
      expect((await stores.events.appendFeedback([feedback("x"), feedback("y"), feedback("x")])).outcomes).toEqual([
        "accepted",
        "accepted",
        "duplicate",
      ]);
      expect((await stores.users.get("u1"))?.interactionCount).toBe(2);
    });

    it("stores the last embedding of a batch and writes nothing when the batch fails", async () => {
      const { stores } = await openMigrated(harness);
      const { outcomes: outcome } = await stores.events.appendFeedback([
        feedback("a", {}, unitVector(TEST_DIM, 0)),
        feedback("b", {}, unitVector(TEST_DIM, 1)),
        feedback("c", {}, null),
      ]);
      expect(outcome).toEqual(["accepted", "accepted", "accepted"]);
      expect(Array.from((await stores.users.get("u1"))!.embedding!)).toEqual([0, 1, 0, 0]);

      // A NUL in text cannot be stored: the whole batch, with its good entry and user write, rolls back,
      // and the error says it was the data (so the caller can write the good entry without the bad one).
      await expect(
        stores.events.appendFeedback([feedback("good", { userId: "v" }), feedback("bad", { sessionId: "s\u0000" })]),
      ).rejects.toBeInstanceOf(RejectedData);
      await expect(
        stores.events.appendFeedback([feedback("good", { userId: "v" }), feedback("late", { occurredAtMs: 9e15 })]),
      ).rejects.toBeInstanceOf(RejectedData);
      const big = Array.from({ length: ROWS_PER_STATEMENT + 1 }, (_, i) => feedback(`big-${i}`, { userId: "v" }));
      big[7] = feedback("big-bad", { sessionId: "s\ud800" });
      await expect(stores.events.appendFeedback(big)).rejects.toBeInstanceOf(RejectedData);
      expect(await stores.users.get("v")).toBeNull();
      expect((await stores.events.appendFeedback([feedback("good", { userId: "v" })])).outcomes).toEqual(["accepted"]);
    });

    it("keeps awkward text and float32 values exactly as sent", async () => {
      const { stores } = await openMigrated(harness);
      const odd = `q"uote\\back{brace},comma ünï 𝄞 '`;
      const embedding = awkwardVector(7);
      const update = modelUpdate(`item ${odd}`, 11, -0.1);
      const entry = feedback(
        `ev ${odd}`,
        {
          userId: `user ${odd}`,
          sessionId: odd,
          itemId: update.itemId,
          recommendationId: `rec ${odd}`,
          reward: 1 / 3,
          modelUpdate: update,
        },
        embedding,
      );
      expect((await stores.events.appendFeedback([entry])).outcomes).toEqual(["accepted"]);
      expect((await stores.events.appendFeedback([entry])).outcomes).toEqual(["duplicate"]);
      const user = await stores.users.get(`user ${odd}`);
      expect(Array.from(user!.embedding!)).toEqual(Array.from(embedding));
      const [logged] = await stores.events.modelUpdatesSince("0", 10);
      expect(plainUpdate(logged!)).toEqual({
        ...plainUpdate({
          ...update,
          seq: logged!.seq,
          writer: stores.events.writerId,
          effect: "add",
          removesSeq: null,
          surface: "default",
        }),
      });
    });

    it("accepts the same event id exactly once when two writers insert it at the same moment", async () => {
      const { stores, replica } = await openMigrated(harness);
      const other: DurableStores = replica ? await replica() : stores;
      for (let round = 0; round < 20; round++) {
        const entry = feedback(`race-${round}`, { userId: "racer" }, unitVector(TEST_DIM, round));
        const outcomes = (
          await Promise.all([stores.events.appendFeedback([entry]), other.events.appendFeedback([entry])])
        ).map((written) => written.outcomes);
        expect(outcomes.flat().sort()).toEqual(["accepted", "duplicate"]);
      }
      expect((await stores.users.get("racer"))?.interactionCount).toBe(20);
    });

    it("pages other writers' model updates for a follower, passing over its own", async () => {
      const { stores } = await openMigrated(harness);
      await stores.events.appendFeedback([
        feedback("f1", { itemId: "i1", recommendationId: "r1", modelUpdate: modelUpdate("i1", 1, 1) }),
      ]);
      await stores.events.appendImpressions([impression("r9", ["i1"])]);
      await stores.events.appendDefaultRewards([defaultReward("r1", "i2")]);
      const all = await stores.events.modelUpdatesSince("0", 10);
      expect(all).toHaveLength(2);
      const own = await stores.events.othersModelUpdatesSince("0", 10, stores.events.writerId);
      expect(own).toEqual({ updates: [], scanned: 2, lastSeq: all[1]!.seq });
      const others = await stores.events.othersModelUpdatesSince("0", 1, "another-replica");
      expect(others).toEqual({ updates: [all[0]], scanned: 1, lastSeq: all[0]!.seq });
      expect(await stores.events.othersModelUpdatesSince(all[1]!.seq, 10, "another-replica")).toEqual({
        updates: [],
        scanned: 0,
        lastSeq: null,
      });
    });

    it("gives model updates positions in commit order: an update write waits for one in flight", async () => {
      const { stores, sql, replica } = await openMigrated(harness);
      // PGlite is one connection in one process: nothing is ever in flight beside a write.
      if (!replica) return;
      let appended = false;
      let written: Promise<unknown> = Promise.resolve();
      await sql.transaction(async (tx) => {
        // Another replica's update write, begun first and still open, holding the lower seq.
        await tx.query("SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))", [
          MODEL_UPDATE_LOCK_CLASS,
        ]);
        await tx.query(
          `INSERT INTO events (event_id, kind, occurred_at, user_id, update_item_id, update_reward, ` +
            `update_shared, update_arm)
           VALUES ('in-flight', 'feedback', now(), 'u', 'i0', 1, '\\x0000803f'::bytea, '\\x0000803f'::bytea)`,
        );
        written = stores.events
          .appendFeedback([
            feedback("later", { itemId: "i1", recommendationId: "r1", modelUpdate: modelUpdate("i1", 1, 1) }),
          ])
          .then(() => (appended = true));
        await new Promise((resolve) => setTimeout(resolve, 300));
        // Without the order, "later" would commit now, above a seq a reader could still miss.
        expect(appended).toBe(false);
        expect(await stores.events.modelUpdatesSince("0", 10)).toEqual([]);
      });
      await written;
      expect((await stores.events.modelUpdatesSince("0", 10)).map((u) => [u.itemId, u.writer])).toEqual([
        ["i0", null],
        ["i1", stores.events.writerId],
      ]);
    });

    it(
      "accepts one of two different events sent at the same moment under one id, " + "and says the other conflicts",
      async () => {
        const { stores, replica } = await openMigrated(harness);
        const other: DurableStores = replica ? await replica() : stores;
        for (let round = 0; round < 10; round++) {
          const written = await Promise.all([
            stores.events.appendFeedback([feedback(`clash-${round}`, { userId: "left" })]),
            other.events.appendFeedback([feedback(`clash-${round}`, { userId: "right" })]),
          ]);
          expect(written.flatMap((w) => w.outcomes).sort()).toEqual(["accepted", "conflict"]);
        }
        const [left, right] = await Promise.all([stores.users.get("left"), stores.users.get("right")]);
        expect((left?.interactionCount ?? 0) + (right?.interactionCount ?? 0)).toBe(10);
      },
    );

    it("adds up interaction counts written concurrently by two replicas", async () => {
      const { stores, replica } = await openMigrated(harness);
      const other: DurableStores = replica ? await replica() : stores;
      const writes: Array<Promise<unknown>> = [];
      for (let i = 0; i < 15; i++) {
        writes.push(
          stores.events.appendFeedback([
            feedback(`a${i}`, { userId: "shared" }),
            feedback(`a${i}-x`, { userId: `only-a-${i % 3}` }),
          ]),
        );
        writes.push(
          other.events.appendFeedback([
            feedback(`b${i}-x`, { userId: `only-b-${i % 3}` }),
            feedback(`b${i}`, { userId: "shared" }),
          ]),
        );
      }
      await Promise.all(writes);
      expect((await stores.users.get("shared"))?.interactionCount).toBe(30);
      expect((await other.users.get("only-a-0"))?.interactionCount).toBe(5);
      expect((await other.users.get("only-b-2"))?.interactionCount).toBe(5);
    });

    it("logs each (recommendation, item) default reward once", async () => {
      const { stores } = await openMigrated(harness);
      const r1a = defaultReward("r1", "a");
      const r1b = defaultReward("r1", "b");
      expect(await stores.events.appendDefaultRewards([r1a, r1b, r1a])).toEqual([r1a, r1b]);
      const r2a = defaultReward("r2", "a");
      expect(await stores.events.appendDefaultRewards([r1b, r2a])).toEqual([r2a]);
      expect(await stores.events.appendDefaultRewards([])).toEqual([]);
      expect(await stores.events.modelUpdatesSince("0", 100)).toHaveLength(3);
    });

    it("replays model updates in log order, in pages, with exact float32 vectors", async () => {
      const { stores } = await openMigrated(harness);
      expect(await stores.events.latestSeq()).toBe("0");
      const u1 = modelUpdate("i1", 1, 1);
      const u2 = modelUpdate("i2", 2, 5);
      const u3 = modelUpdate("i3", 3, -1);
      await stores.events.appendFeedback([feedback("f1", { itemId: "i1", recommendationId: "r1", modelUpdate: u1 })]);
      await stores.events.appendImpressions([impression("r9", ["i1"])]);
      await stores.events.appendFeedback([feedback("organic", { itemId: "i9" })]);
      await stores.events.appendDefaultRewards([
        { recommendationId: "r1", userId: "u1", occurredAtMs: NOW_MS, update: u2 },
      ]);
      await stores.events.appendFeedback([
        feedback("f3", { itemId: "i3", recommendationId: "r2", modelUpdate: u3, reward: -1 }),
      ]);

      const firstPage = await stores.events.modelUpdatesSince("0", 2);
      expect(firstPage.map(plainUpdate).map(({ seq: _seq, ...rest }) => rest)).toEqual(
        [u1, u2].map((u) => ({
          ...u,
          writer: stores.events.writerId,
          effect: "add",
          removesSeq: null,
          surface: "default",
          shared: Array.from(u.shared),
          arm: Array.from(u.arm),
        })),
      );
      const secondPage = await stores.events.modelUpdatesSince(firstPage[1]!.seq, 2);
      expect(secondPage.map((u) => [u.itemId, u.reward, Array.from(u.shared)])).toEqual([
        ["i3", -1, Array.from(u3.shared)],
      ]);
      const seqs = [...firstPage, ...secondPage].map((u) => BigInt(u.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
      expect(await stores.events.modelUpdatesSince(secondPage[0]!.seq, 2)).toEqual([]);
      expect(await stores.events.latestSeq()).toBe(secondPage[0]!.seq);
      // Impressions are log entries too, though not model updates.
      await stores.events.appendImpressions([impression("r10", ["i1"])]);
      expect(BigInt(await stores.events.latestSeq())).toBeGreaterThan(BigInt(secondPage[0]!.seq));
    });

    it("keeps each row's own vectors and each user's own last embedding when one batch mixes them", async () => {
      const { stores } = await openMigrated(harness);
      const [u1, u2, u3] = [modelUpdate("i1", 1, 1), modelUpdate("i2", 2, 0.5), modelUpdate("i3", 3, -1)];
      const { outcomes } = await stores.events.appendFeedback([
        feedback("a1", { userId: "a", itemId: "i1", recommendationId: "r1", modelUpdate: u1 }, unitVector(TEST_DIM, 0)),
        feedback("b1", { userId: "b" }),
        feedback("c1", { userId: "c", itemId: "i3", recommendationId: "r1", modelUpdate: u3 }, unitVector(TEST_DIM, 2)),
        feedback("a2", { userId: "a", itemId: "i2", recommendationId: "r1", modelUpdate: u2 }, unitVector(TEST_DIM, 1)),
        feedback("a3", { userId: "a" }, null),
        // A duplicate's embedding must not win, though it is the user's last one in the batch.
        feedback("c1", { userId: "c", itemId: "i3", recommendationId: "r1", modelUpdate: u3 }, unitVector(TEST_DIM, 3)),
      ]);
      expect(outcomes).toEqual(["accepted", "accepted", "accepted", "accepted", "accepted", "duplicate"]);
      const replayed = await stores.events.modelUpdatesSince("0", 10);
      expect(replayed.map(plainUpdate).map(({ seq: _seq, ...rest }) => rest)).toEqual(
        [u1, u3, u2].map((u) => ({
          ...u,
          writer: stores.events.writerId,
          effect: "add",
          removesSeq: null,
          surface: "default",
          shared: Array.from(u.shared),
          arm: Array.from(u.arm),
        })),
      );
      const [a, b, c] = await Promise.all(["a", "b", "c"].map((id) => stores.users.get(id)));
      expect([a?.interactionCount, b?.interactionCount, c?.interactionCount]).toEqual([3, 1, 1]);
      expect(Array.from(a!.embedding!)).toEqual(Array.from(unitVector(TEST_DIM, 1)));
      expect(b!.embedding).toBeNull();
      expect(Array.from(c!.embedding!)).toEqual(Array.from(unitVector(TEST_DIM, 2)));
    });

    it("logs a batch larger than one statement holds, vectors and users included", async () => {
      const { stores } = await openMigrated(harness);
      const size = ROWS_PER_STATEMENT + 3;
      const updates = Array.from({ length: size }, (_, i) => modelUpdate(`i${i}`, i, i % 3));
      const entries = updates.map((update, i) =>
        feedback(
          `big${i}`,
          { userId: `u${i % 7}`, itemId: update.itemId, recommendationId: "r", modelUpdate: update },
          unitVector(TEST_DIM, i % TEST_DIM),
        ),
      );
      entries.push(feedback("big5", { userId: "u5", itemId: "i5", recommendationId: "r" }));
      const { outcomes } = await stores.events.appendFeedback(entries);
      expect(outcomes.filter((o) => o === "accepted")).toHaveLength(size);
      expect(outcomes.at(-1)).toBe("duplicate");
      const replayed = await stores.events.modelUpdatesSince("0", size + 10);
      expect(replayed.map((u) => [u.itemId, u.reward, Array.from(u.shared), Array.from(u.arm)])).toEqual(
        updates.map((u) => [u.itemId, u.reward, Array.from(u.shared), Array.from(u.arm)]),
      );
      const ofU6 = entries.slice(0, size).filter((e) => e.record.userId === "u6");
      const u6 = await stores.users.get("u6");
      expect(u6?.interactionCount).toBe(ofU6.length);
      expect(Array.from(u6!.embedding!)).toEqual(Array.from(ofU6.at(-1)!.userEmbedding!));
    });

    it("drops whole days older than the retention window and keeps the rest", async () => {
      const { stores } = await openMigrated(harness);
      const cutoffDay = Math.floor((NOW_MS - 90 * DAY_MS) / DAY_MS) * DAY_MS; // start of the UTC day 90 days back
      const at = (id: string, occurredAtMs: number) =>
        feedback(id, { occurredAtMs, recommendationId: "r", modelUpdate: modelUpdate(id, 1) });
      await stores.events.appendFeedback([
        at("ancient", NOW_MS - 400 * DAY_MS),
        at("day-before-cutoff", cutoffDay - 60_000),
        at("cutoff-day", cutoffDay + 60_000), // older than 90 days by hours, but its day is partly inside
        at("recent", NOW_MS - DAY_MS),
        at("now", NOW_MS),
      ]);
      await stores.events.appendImpressions([impression("old-imp", ["a"], { occurredAtMs: NOW_MS - 100 * DAY_MS })]);
      expect(await stores.events.enforceRetention(NOW_MS, 90)).toBe(3);
      expect(await stores.events.enforceRetention(NOW_MS, 90)).toBe(0);
      const left = await stores.events.modelUpdatesSince("0", 100);
      expect(left.map((u) => u.itemId)).toEqual(["cutoff-day", "recent", "now"]);
    });

    it("removes more rows than one retention batch", async () => {
      const { stores } = await openMigrated(harness);
      const old = Array.from({ length: 5_200 }, (_, i) =>
        feedback(`old-${i}`, { occurredAtMs: NOW_MS - 200 * DAY_MS, userId: `u${i % 50}` }),
      );
      await stores.events.appendFeedback(old);
      await stores.events.appendFeedback([
        feedback("keep", { modelUpdate: modelUpdate("keep", 1), recommendationId: "r" }),
      ]);
      expect(await stores.events.enforceRetention(NOW_MS, 30)).toBe(5_200);
      expect((await stores.events.modelUpdatesSince("0", 10)).map((u) => u.itemId)).toEqual(["keep"]);
    });

    it("joins logged decisions to their feedback, default reward, or 0", async () => {
      const { stores } = await openMigrated(harness);
      await stores.events.appendImpressions([
        impression("r1", ["A", "B", "C"], { occurredAtMs: NOW_MS, userId: "ann", sessionId: "s-ann" }),
      ]);
      await stores.events.appendImpressions([impression("r1", ["A", "B", "C"])]); // a retried flush changes nothing
      await stores.events.appendImpressions([impression("r2", ["A"], { occurredAtMs: NOW_MS + 1000, context: {} })]);
      await stores.events.appendFeedback([
        feedback("click-A", { recommendationId: "r1", itemId: "A", reward: 1 }),
        feedback("buy-A", { recommendationId: "r1", itemId: "A", reward: 5, type: "purchase" }),
        feedback("organic-B", { recommendationId: null, itemId: "B", reward: 2 }),
        feedback("other-rec-C", { recommendationId: "r0", itemId: "C", reward: 2 }),
      ]);
      await stores.events.appendDefaultRewards([defaultReward("r1", "B", -0.5)]);

      const decisions = await stores.events.loggedDecisions(100);
      expect(decisions).toEqual([
        {
          occurredAtMs: NOW_MS,
          userId: "ann",
          sessionId: "s-ann",
          context: { page: "home", device: "mobile" },
          itemId: "A",
          position: 0,
          propensity: 1 / 2,
          reward: 6,
          seq: expect.any(String),
          modelVersion: "m1",
          surface: "default",
        },
        {
          occurredAtMs: NOW_MS,
          userId: "ann",
          sessionId: "s-ann",
          context: { page: "home", device: "mobile" },
          itemId: "B",
          position: 1,
          propensity: 1 / 3,
          reward: -0.5,
          seq: expect.any(String),
          modelVersion: "m1",
          surface: "default",
        },
        {
          occurredAtMs: NOW_MS,
          userId: "ann",
          sessionId: "s-ann",
          context: { page: "home", device: "mobile" },
          itemId: "C",
          position: 2,
          propensity: 1 / 4,
          reward: 0,
          seq: expect.any(String),
          modelVersion: "m1",
          surface: "default",
        },
        {
          occurredAtMs: NOW_MS + 1000,
          userId: "u1",
          sessionId: "s1",
          context: {},
          itemId: "A",
          position: 0,
          propensity: 1 / 2,
          reward: 0,
          seq: expect.any(String),
          modelVersion: "m1",
          surface: "default",
        },
      ]);
      expect((await stores.events.loggedDecisions(2)).map((d) => d.itemId)).toEqual(["A", "B"]);
      expect((await stores.events.loggedDecisions(100, NOW_MS)).map((d) => [d.occurredAtMs, d.itemId])).toEqual([
        [NOW_MS + 1000, "A"],
      ]);
    });

    it("pages decisions after a row read before, impressions of the same millisecond included", async () => {
      const { stores } = await openMigrated(harness);
      await stores.events.appendImpressions(
        ["r1", "r2", "r3", "r4"].map((id, i) =>
          impression(id, ["A", "B"], { occurredAtMs: NOW_MS + (i === 3 ? 1 : 0) }),
        ),
      );
      const all = await stores.events.loggedDecisions(100);
      expect(all).toHaveLength(8);
      const second = all[2]!;
      const rest = await stores.events.loggedDecisions(100, second.occurredAtMs, second.seq);
      expect(rest.map((d) => [d.seq, d.position])).toEqual(all.slice(4).map((d) => [d.seq, d.position]));
      expect(new Set(all.map((d) => d.seq)).size).toBe(4);
    });

    it("keeps an impression's candidates and serving state, returned once on its position-0 row", async () => {
      const { stores } = await openMigrated(harness);
      const serving = {
        candidateIds: ["C", "A", "B"],
        session: new Float32Array([0.25, -0.5, 1 / 3]),
        longTerm: null,
        signals: Float32Array.from({ length: 12 }, (_, i) => Math.fround(i / 7 - 0.5)),
        rules: { pinnedIds: ["A"], maxPerCategory: 2, boosts: [] },
      };
      await stores.events.appendImpressions([
        impression("with-state", ["A", "B"], { serving }),
        impression("without", ["C"], { occurredAtMs: NOW_MS + 1 }),
      ]);
      const [first, second, old] = await stores.events.loggedDecisions(100);
      expect(first!.serving).toEqual(serving);
      expect(first!.serving!.session).toBeInstanceOf(Float32Array);
      expect(second!.position).toBe(1);
      expect(second!.serving).toBeUndefined();
      expect(old!.serving).toBeUndefined();
    });
  });
}
