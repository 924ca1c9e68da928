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
  });
}
