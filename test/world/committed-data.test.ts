import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCatalog, readLog, type LoggedDecision } from "../../src/eval/log-format";
import type { SampleDataManifest } from "../../src/world/generate-sample";
import { catalogItems } from "../../src/world/log-generator";
import { createWorld } from "../../src/world/world";

const DATA = join(import.meta.dirname, "..", "..", "data");

/** The committed sample data is what the generator makes from its manifest, not a stale or edited copy. */
describe("committed sample data (data/)", () => {
  it("matches the checksums and counts in data/manifest.json", async () => {
    const manifest = JSON.parse(await readFile(join(DATA, "manifest.json"), "utf8")) as SampleDataManifest;
    for (const file of Object.values(manifest.files)) {
      const bytes = await readFile(join(DATA, file.path));
      expect(bytes.length, file.path).toBe(file.bytes);
      expect(createHash("sha256").update(bytes).digest("hex"), file.path).toBe(file.sha256);
    }
    expect(manifest.seed).toBe(42);
    expect(manifest.files.uniformLog.rows).toBe(200_000);
  });

  it("holds the default world's catalog: 2000 items of 32 dimensions, embeddings to 6 digits", async () => {
    const items = await readCatalog(join(DATA, "catalog.jsonl"));
    const world = createWorld({}, 42);
    const expected = catalogItems(world);
    expect(items).toHaveLength(2000);
    expect(items.map((i) => [i.itemId, i.category, i.attributes])).toEqual(
      expected.map((i) => [i.itemId, i.category, i.attributes]),
    );
    let largestDifference = 0;
    items.forEach((item, k) => {
      expect(item.embedding).toHaveLength(32);
      item.embedding.forEach((x, d) => {
        largestDifference = Math.max(largestDifference, Math.abs(x - expected[k]!.embedding[d]!));
      });
    });
    expect(largestDifference).toBeLessThan(1e-5);
  });

  it("starts each log with rows the strict reader accepts", async () => {
    for (const name of ["uniform", "egreedy"]) {
      const rows: LoggedDecision[] = [];
      for await (const row of readLog(join(DATA, "logs", `${name}.jsonl.gz`), { strict: true })) {
        rows.push(row);
        if (rows.length === 2000) break;
      }
      expect(rows).toHaveLength(2000);
      expect(rows.every((r) => r.candidates!.length === 50)).toBe(true);
    }
  });
});
