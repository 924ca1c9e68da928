import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { ModelSnapshot } from "../../../src/state/ports";
import { NOW_MS } from "./fixtures";
import { openMigrated, type DurableHarness } from "./harness";

export function describeSnapshotStoreContract(harness: DurableHarness): void {
  describe(`SnapshotStore on ${harness.engine}`, () => {
    afterEach(() => harness.closeAll());

    it("has no snapshot before the first save", async () => {
      const { stores } = await openMigrated(harness);
      expect(await stores.snapshots.latest()).toBeNull();
    });

    it("returns the newest snapshot byte for byte and keeps only the newest three", async () => {
      const { stores, sql } = await openMigrated(harness);
      const saved: ModelSnapshot[] = [];
      for (let i = 1; i <= 5; i++) {
        const snapshot: ModelSnapshot = {
          surface: "default",
          modelVersion: `v${i}`,
          eventSeq: String(9_007_199_254_740_993n + BigInt(i)), // beyond 2^53: must not pass through a float
          createdAtMs: NOW_MS + i,
          data: new Uint8Array(randomBytes(i === 5 ? 1_000_000 : 1000)),
        };
        await stores.snapshots.save(snapshot);
        saved.push(snapshot);
        const latest = await stores.snapshots.latest();
        expect(latest && { ...latest, data: null }).toEqual({ ...snapshot, data: null });
        // Buffer comparison: a deep equality over a megabyte of elements would take seconds.
        expect(latest && Buffer.from(latest.data).equals(snapshot.data)).toBe(true);
      }
      const { rows } = await sql.query<{ model_version: string }>(
        "SELECT model_version FROM model_snapshots ORDER BY id",
      );
      expect(rows.map((row) => row.model_version)).toEqual(["v3", "v4", "v5"]);
    });

    it("keeps each surface's snapshots apart: latest per surface, pruned per surface, saved all or none", async () => {
      const { stores } = await openMigrated(harness);
      const snapshot = (surface: string, i: number): ModelSnapshot => ({
        surface,
        modelVersion: `hlinucb-d4-u${i}@${surface}`,
        eventSeq: String(i),
        createdAtMs: NOW_MS + i,
        data: Uint8Array.of(i),
      });
      for (let i = 1; i <= 4; i++) await stores.snapshots.save([snapshot("default", i), snapshot("home", i)]);
      await stores.snapshots.save(snapshot("cart", 9));
      expect((await stores.snapshots.latest("home"))?.modelVersion).toBe("hlinucb-d4-u4@home");
      expect((await stores.snapshots.latest())?.surface).toBe("default");
      expect(await stores.snapshots.latest("nowhere")).toBeNull();
      const latest = await stores.snapshots.latestPerSurface();
      expect(latest.map((s) => [s.surface, s.eventSeq])).toEqual([
        ["cart", "9"],
        ["default", "4"],
        ["home", "4"],
      ]);
      // A batch with a bad row writes none of it.
      await expect(
        stores.snapshots.save([snapshot("home", 5), { ...snapshot("cart", 6), eventSeq: "not a seq" }]),
      ).rejects.toThrow();
      expect((await stores.snapshots.latest("home"))?.eventSeq).toBe("4");
    });
  });
}
