import { afterEach, describe, expect, it } from "vitest";
import { feedback, unitVector } from "./fixtures";
import { openMigrated, TEST_DIM, type DurableHarness } from "./harness";

export function describeUserRepositoryContract(harness: DurableHarness): void {
  describe(`UserRepository on ${harness.engine}`, () => {
    afterEach(() => harness.closeAll());

    it("returns null for a user nobody has seen", async () => {
      const { stores } = await openMigrated(harness);
      expect(await stores.users.get("nobody")).toBeNull();
    });

    it("round-trips the profile written with accepted feedback, keeping the embedding when none is given", async () => {
      const { stores } = await openMigrated(harness);
      const first = Float32Array.from([0.1, 0.2, Math.fround(1 / 3), -0.7]);
      const before = Date.now();
      await stores.events.appendFeedback([feedback("e1", { userId: "alice" }, first)]);
      const afterFirst = await stores.users.get("alice");
      expect(afterFirst).not.toBeNull();
      expect(Array.from(afterFirst!.embedding!)).toEqual(Array.from(first));
      expect(afterFirst!.interactionCount).toBe(1);
      expect(afterFirst!.updatedAtMs).toBeGreaterThanOrEqual(before - 1000);
      expect(afterFirst!.updatedAtMs).toBeLessThanOrEqual(Date.now() + 1000);

      await stores.events.appendFeedback([feedback("e2", { userId: "alice" }, null)]);
      const kept = await stores.users.get("alice");
      expect(Array.from(kept!.embedding!)).toEqual(Array.from(first));
      expect(kept!.interactionCount).toBe(2);

      const second = unitVector(TEST_DIM, 2);
      await stores.events.appendFeedback([feedback("e3", { userId: "alice" }, second)]);
      expect(Array.from((await stores.users.get("alice"))!.embedding!)).toEqual([0, 0, 1, 0]);
      expect(await stores.users.get("bob")).toBeNull();
    });

    it(
      "reads a stored embedding of the wrong dimension as no embedding, keeps the counters, " + "and reports it",
      async () => {
        const { stores, sql, corrupt } = await openMigrated(harness);
        await stores.events.appendFeedback([feedback("e1", { userId: "carol" }, unitVector(TEST_DIM, 0))]);
        await sql.query("UPDATE users SET embedding = $1::real[] WHERE user_id = $2", [[0.5, 0.5, 0.5], "carol"]);
        const profile = await stores.users.get("carol");
        expect(profile).toMatchObject({ userId: "carol", embedding: null, interactionCount: 1 });
        expect(corrupt.join("\n")).toMatch(/carol.*3 values, expected 4/);
      },
    );
  });
}
