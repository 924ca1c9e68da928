import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatLogRow } from "../../src/eval/log-format";
import { runRecs } from "../helpers/process";
import { createTestStorage, startTestService, testCatalog, type TestStorage } from "../helpers/service";

const row = (i: number) =>
  formatLogRow({
    tsMs: 1_700_000_000_000 + i * 1000,
    userId: `u${i % 3}`,
    sessionId: `s${i % 5}`,
    context: { device: "mobile" },
    candidates: ["item-1", "item-2", "item-3"],
    itemId: `item-${1 + (i % 3)}`,
    position: i % 3,
    propensity: 1 / 3,
    reward: i % 4 === 0 ? 1 : 0,
  });

describe("recs warm-start as a process (embedded store)", { timeout: 120_000 }, () => {
  let dir: string;
  let storage: TestStorage;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "recs-warm-cmd-"));
    storage = await createTestStorage("embedded");
    const t = await startTestService(storage);
    await t.client.upsertItems(testCatalog(10));
    t.client.close();
    await t.service.stop();
  });
  afterAll(async () => {
    await storage.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("prints rows, updates and the model version; a bad line exits 1 naming line and field", async () => {
    const env = { ...storage.env, RECS_EMBEDDING_DIM: "8" };
    const good = join(dir, "log.jsonl");
    await writeFile(good, `${Array.from({ length: 30 }, (_, i) => row(i)).join("\n")}\n`);
    const done = await runRecs(["warm-start", "--log", good], env);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toMatch(
      new RegExp(
        "^warm start: 30 rows, 30 updates logged and trained; model hlinucb-d8-u30 \\(held 0 updates before\\), " +
          "snapshot at log position \\d+ in embedded store at ",
      ),
    );

    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, `${row(0)}\n${row(1).replace('"propensity":0.3333333333333333', '"propensity":0')}\n`);
    const refused = await runRecs(["warm-start", "--log", bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`recs: ${bad}:2: "propensity" must be in (0, 1], got 0`);

    const usage = await runRecs(["warm-start"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--log <file>");
  });
});
