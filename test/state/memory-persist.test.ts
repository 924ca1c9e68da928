import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openMemoryStores } from "../../src/state/memory/open-memory-stores";

describe("embedded session windows across a restart", () => {
  const options = { sessionWindow: 3, sessionTtlS: 60, rewardWaitMs: 1000 };

  it("are saved on close and restored on open, expired ones dropped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "recs-mem-"));
    const persistPath = join(dir, "sessions.json");
    try {
      let clock = 1_000_000;
      const first = openMemoryStores({ ...options, persistPath, now: () => clock });
      for (let i = 0; i < 5; i++)
        await first.sessions.append("s1", { itemId: `i${i}`, type: "click", atMs: clock + i });
      clock += 50_000;
      await first.sessions.append("s2", { itemId: "x", type: "purchase", atMs: clock });
      await first.close();

      clock += 20_000; // s1 is now past its 60 s TTL, s2 is not
      const second = openMemoryStores({ ...options, persistPath, now: () => clock });
      expect(await second.sessions.window("s1")).toEqual([]);
      expect(await second.sessions.window("s2")).toEqual([{ itemId: "x", type: "purchase", atMs: 1_050_000 }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("start empty when the saved file is unreadable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "recs-mem-"));
    const persistPath = join(dir, "sessions.json");
    writeFileSync(persistPath, "{not json");
    try {
      const stores = openMemoryStores({ ...options, persistPath });
      expect(await stores.sessions.window("s1")).toEqual([]);
      await stores.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
