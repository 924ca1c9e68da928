import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createReadReport, readCatalog, readLog } from "../../src/eval/log-format";
import { generateSampleData, type SampleDataManifest, type SampleDataProgress } from "../../src/world/generate-sample";
import { SMALL_WORLD } from "./small-world";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const FILES = ["catalog.jsonl", "logs/uniform.jsonl.gz", "logs/egreedy.jsonl.gz", "manifest.json"];

async function generate(
  seed: number,
): Promise<{ dir: string; manifest: SampleDataManifest; progress: SampleDataProgress[] }> {
  const dir = await mkdtemp(join(tmpdir(), "recs-sample-"));
  dirs.push(dir);
  const progress: SampleDataProgress[] = [];
  const manifest = await generateSampleData(dir, {
    seed,
    params: SMALL_WORLD,
    uniformEvents: 3000,
    egreedyEvents: 2000,
    candidatesPerEvent: 20,
    trueValueDecisions: 2000,
    onProgress: (p) => progress.push(p),
  });
  return { dir, manifest, progress };
}

describe("generateSampleData", () => {
  it("writes byte-identical files for the same seed, different ones for another", async () => {
    const a = await generate(7);
    const b = await generate(7);
    const c = await generate(8);
    for (const file of FILES) {
      const bytesA = await readFile(join(a.dir, file));
      expect(bytesA.equals(await readFile(join(b.dir, file))), file).toBe(true);
      expect(bytesA.equals(await readFile(join(c.dir, file))), file).toBe(false);
    }
  });

  it("writes a catalog, two readable logs and a manifest that describes them", async () => {
    const { dir, manifest, progress } = await generate(11);
    const catalog = await readCatalog(join(dir, "catalog.jsonl"));
    expect(catalog).toHaveLength(240);
    expect(catalog[0]!.embedding).toHaveLength(12);

    for (const [name, file, events] of [
      ["uniform", manifest.files.uniformLog, 3000],
      ["egreedy", manifest.files.egreedyLog, 2000],
    ] as const) {
      const report = createReadReport();
      let rewards = 0;
      for await (const row of readLog(join(dir, file.path), { strict: true, report })) rewards += row.reward;
      expect(report.rowsRead).toBe(events);
      expect(file.rows).toBe(events);
      expect(manifest.loggedMeanReward[name]).toBeCloseTo(rewards / events, 12);
      const bytes = await readFile(join(dir, file.path));
      expect(file.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
    const written = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as SampleDataManifest;
    expect(written).toEqual(manifest);
    expect(manifest.seed).toBe(11);
    expect(manifest.params.items).toBe(240);
    expect(manifest.trueValues.map((v) => v.policy)).toEqual([
      "random",
      "egreedy(0.2)",
      "egreedy(0)",
      "popularity",
      "oracle",
    ]);
    expect(progress.map((p) => p.stage)).toEqual(
      expect.arrayContaining(["catalog", "uniform log", "egreedy log", "true values"]),
    );
    expect(progress.filter((p) => p.stage === "uniform log").at(-1)).toEqual({
      stage: "uniform log",
      done: 3000,
      total: 3000,
    });
  });
});
