import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvFields } from "../../src/cli/interactions-file";
import { runRecs } from "../helpers/process";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, startTestService, testCatalog, type StoreKind, type TestStorage } from "../helpers/service";

const kinds: StoreKind[] = ["embedded", "real"];
const DAY = 86_400_000;

describe("csvFields", () => {
  it("splits on commas, keeps quoted commas and doubled quotes, refuses an open quote", () => {
    expect(csvFields('a,"b,c","say ""hi""",,d')).toEqual(["a", "b,c", 'say "hi"', "", "d"]);
    expect(() => csvFields('a,"b')).toThrow("without its closing quote");
  });
});

describe.each(kinds)("recs import-interactions (%s stores)", (kind) => {
  let dir: string;
  let storage: TestStorage | undefined;
  let enabled = true;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "recs-import-"));
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) {
      enabled = false;
      return;
    }
    storage = await createTestStorage(kind);
    const t = await startTestService(storage);
    await t.client.upsertItems(testCatalog(40));
    t.client.close();
    await t.service.stop();
  });
  afterAll(async () => {
    await storage?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("builds profiles and popularity through the feedback path, counts duplicates, names bad lines, " +
    "and a restarted service's Recommend uses them", { timeout: 180_000 }, async ({ skip }) => {
    if (!enabled) skip();
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    // item-4 (cat-0) is what shoppers picked; item-8 and item-12 share its category and were never picked.
    const good = [
      ...Array.from({ length: 12 }, (_, i) => `u-a,item-4,click,${now - (i + 1) * 3_600_000}`),
      `u-a,item-5,purchase,${iso(now - 2 * DAY)}`,
      `u-b,item-4,add_to_cart,${iso(now - 3 * DAY)}`,
      `u-b,item-6,CLICK,${now - 4 * DAY}`,
    ];
    const csv = [
      "user_id,item_id,type,time",
      ...good.slice(0, 8),
      `u-a,item-4,click,${iso(now - 200 * DAY)}`,
      "u-c,item-999,click,0",
      `u-c,item-999,click,${now - DAY}`,
      `u-c,item-7,like,${now - DAY}`,
      `,item-7,click,${now - DAY}`,
      "u-c,item-7,click",
      ...good.slice(8),
    ].join("\n");
    const file = join(dir, "interactions.csv");
    await writeFile(file, `${csv}\n`);
    const env = { ...storage!.env, RECS_EMBEDDING_DIM: "8" };

    const first = await runRecs(["import-interactions", file], env);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^15 interactions imported into .*, 0 duplicates \(imported before\), 6 rejected \(of 21\)$/,
    );
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}line 10: "time" .* is older than the event log's retention of 90 days .*refuses/),
      expect.stringMatching(/^ {2}line 11: "time" .*older than the event log's retention/),
      expect.stringMatching(/^ {2}line 12: item_id "item-999" is not in the catalog/),
      '  line 13: "type" must be click, add_to_cart, purchase or dismiss, got "like"',
      '  line 14: "user_id" is required (the field is missing)',
      "  line 15: has 3 fields, the header names 4",
    ]);

    const again = await runRecs(["import-interactions", file], env);
    expect(again.stdout.split("\n")[0]).toMatch(/^0 interactions imported .*, 15 duplicates .*, 6 rejected \(of 21\)$/);

    // JSON Lines of the same rows, with their own event ids: also duplicates (same user, item, type, time).
    const jsonl = join(dir, "interactions.jsonl");
    await writeFile(
      jsonl,
      `${good
        .map((row) => {
          const [user_id, item_id, type, time] = row.split(",");
          return JSON.stringify({ user_id, item_id, type, time: /^\d+$/.test(time!) ? Number(time) : time });
        })
        .join("\n")}\n`,
    );
    const json = await runRecs(["import-interactions", jsonl], env);
    expect(json.stdout.split("\n")[0]).toMatch(/^0 interactions imported .*, 15 duplicates .*, 0 rejected \(of 15\)$/);

    const t = await startTestService(storage!, { epsilon: 0 });
    try {
      const a = await t.client.getUserState("u-a", "");
      expect(a.interactionCount).toBe("13");
      expect(a.longTermEmbedding).toHaveLength(8);
      expect((await t.client.getUserState("u-b", "")).interactionCount).toBe("2");

      const candidateIds = ["item-4", "item-8", "item-12", "item-3"];
      const rec = await t.client.recommend({ userId: "u-a", k: 4, candidateIds, explain: true });
      const parts = new Map(rec.items.map((item) => [item.itemId, item.parts!]));
      // Popularity counted from the log at start: item-4 lifts, its never-picked category mates drop.
      expect(parts.get("item-4")!.popularity).toBeGreaterThan(0);
      expect(parts.get("item-8")!.popularity).toBeLessThan(0);
      expect(parts.get("item-3")!.popularity).toBe(0);
      // The imported profile is the long-term state Recommend scores with; a stranger has none.
      expect(parts.get("item-4")!.longTerm).toBeGreaterThan(0);
      const stranger = await t.client.recommend({ userId: "u-none", k: 4, candidateIds, explain: true });
      for (const item of stranger.items) expect(item.parts!.longTerm).toBe(0);
      expect(rec.items[0]!.itemId).toBe("item-4");
    } finally {
      t.client.close();
      await t.service.stop();
    }
  });
});
