import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCatalogFile } from "../../src/engine/catalog-loader";
import { openPostgresStores } from "../../src/state/postgres/open-postgres-stores";
import type { DurableStores } from "../../src/state/ports";

const line = (item_id: string, embedding: number[], extra: object = {}) =>
  JSON.stringify({ item_id, embedding, category: "c", ...extra });

// `recs load-catalog` is this function on the configured store: the same rules as Catalog.UpsertItems.
describe("loadCatalogFile", () => {
  let dir: string;
  let durable: DurableStores;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "recs-load-"));
    durable = await openPostgresStores({ memory: true, embeddingDim: 4 });
    await durable.migrate();
  });
  afterAll(async () => {
    await durable?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses zero and absurd embeddings with line, item and field, and stores the rest at unit length", async () => {
    const file = join(dir, "embeddings.jsonl");
    await writeFile(
      file,
      `${[
        line("ok", [3, 0, 4, 0]),
        line("zero", [0, 0, 0, 0]),
        line("huge", [1e30, 1e30, 1e30, 1e30]),
        line("max", [1000, 0, 0, 0]),
      ].join("\n")}\n`,
    );
    const summary = await loadCatalogFile(file, durable.items, 4);
    expect(summary).toMatchObject({ received: 4, accepted: 2, rejected: 2 });
    expect(summary.rejections.map((r) => [r.index, r.id])).toEqual([
      [2, "zero"],
      [3, "huge"],
    ]);
    expect(summary.rejections[0]!.reason).toBe(
      `${file}:2: item "zero": embedding is all zeros: send the item's real embedding ` +
        `(ranking uses its direction; it is stored scaled to unit length)`,
    );
    expect(summary.rejections[1]!.reason).toMatch(
      /:3: item "huge": embedding has L2 norm 2\.00e\+30, outside 1e-6\.\.1e3/,
    );
    expect(Array.from((await durable.items.get("ok"))!.embedding)).toEqual([Math.fround(0.6), 0, Math.fround(0.8), 0]);
    expect(Array.from((await durable.items.get("max"))!.embedding)).toEqual([1, 0, 0, 0]);
  });

  it("reads availability-only lines as changes of known items", async () => {
    const file = join(dir, "stock.jsonl");
    await writeFile(
      file,
      `${[
        line("shirt", [1, 0, 0, 0], { attributes: { size: "m" } }),
        JSON.stringify({ item_id: "shirt", available: false }),
        JSON.stringify({ item_id: "ghost", available: false }),
      ].join("\n")}\n`,
    );
    const summary = await loadCatalogFile(file, durable.items, 4);
    expect(summary).toMatchObject({ received: 3, accepted: 2, rejected: 1 });
    expect(summary.rejections).toEqual([
      { index: 3, id: "ghost", reason: expect.stringMatching(/:3: item_id "ghost" is not in the catalog/) },
    ]);
    expect(await durable.items.get("shirt")).toMatchObject({
      category: "c",
      attributes: { size: "m" },
      available: false,
    });
    await writeFile(file, `${JSON.stringify({ item_id: "shirt", available: true })}\n`);
    expect(await loadCatalogFile(file, durable.items, 4)).toMatchObject({ accepted: 1, rejected: 0 });
    expect(await durable.items.get("shirt")).toMatchObject({
      category: "c",
      attributes: { size: "m" },
      available: true,
    });
  });
});
