import { createHash } from "node:crypto";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { formatCatalogItem, formatLogRow, writeJsonLines, type LoggedDecision } from "../eval/log-format";
import { catalogItems, generateLog, loggingPolicySpec, type LogOptions } from "./log-generator";
import type { WorldParams } from "./params";
import { trueValues, type PolicySpec, type TrueValue } from "./policies";
import { createWorld } from "./world";

export interface SampleDataOptions {
  /** Default 42: the seed of the committed sample data. */
  seed?: number;
  /** World parameters; unset ones take their defaults. */
  params?: Partial<WorldParams>;
  /** Default 200 000 each. */
  uniformEvents?: number;
  egreedyEvents?: number;
  /** Default 50. */
  candidatesPerEvent?: number;
  /** ε of the egreedy logging policy; default 0.2. */
  epsilon?: number;
  /** Decisions of the Monte-Carlo true-value estimate; default 100 000. */
  trueValueDecisions?: number;
  /** Called as each stage moves on (at most every 10 000 rows or decisions). */
  onProgress?: (progress: SampleDataProgress) => void;
}

export interface SampleDataProgress {
  stage: "catalog" | "uniform log" | "egreedy log" | "true values";
  done: number;
  total: number;
}

export interface GeneratedFile {
  /** Relative to the output folder, "/"-separated. */
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** What `manifest.json` holds: enough to regenerate the data and to check an estimator against truth. */
export interface SampleDataManifest {
  generator: string;
  seed: number;
  params: WorldParams;
  candidatesPerEvent: number;
  epsilon: number;
  files: { catalog: GeneratedFile; uniformLog: GeneratedFile; egreedyLog: GeneratedFile };
  /** Average logged reward of each log (a noisy view of its policy's true value). */
  loggedMeanReward: { uniform: number; egreedy: number };
  trueValueDecisions: number;
  /** Ground truth: expected reward per decision of each reference policy. */
  trueValues: TrueValue[];
}

/** The reference policies whose true values the manifest states (the first two are the logging policies). */
export function referencePolicies(epsilon: number): PolicySpec[] {
  return [
    loggingPolicySpec({ policy: "uniform" }),
    loggingPolicySpec({ policy: "egreedy", epsilon }),
    { kind: "egreedy", epsilon: 0 },
    { kind: "popularity" },
    { kind: "oracle" },
  ];
}

/**
 * Writes `catalog.jsonl`, `logs/uniform.jsonl.gz`, `logs/egreedy.jsonl.gz` and `manifest.json` into
 * `outDir`. The same seed and options give byte-identical files.
 */
export async function generateSampleData(outDir: string, options: SampleDataOptions = {}): Promise<SampleDataManifest> {
  const seed = options.seed ?? 42;
  const candidatesPerEvent = options.candidatesPerEvent ?? 50;
  const epsilon = options.epsilon ?? 0.2;
  const trueValueDecisions = options.trueValueDecisions ?? 100_000;
  const report = options.onProgress ?? (() => {});
  const world = createWorld(options.params ?? {}, seed);
  await mkdir(join(outDir, "logs"), { recursive: true });

  const items = catalogItems(world);
  report({ stage: "catalog", done: 0, total: items.length });
  const catalog = await writeLinesFile(outDir, "catalog.jsonl", items.map(formatCatalogItem));
  report({ stage: "catalog", done: items.length, total: items.length });

  const writeLog = async (policy: LogOptions["policy"], events: number) => {
    const stage = policy === "uniform" ? "uniform log" : "egreedy log";
    const rewards = { sum: 0 };
    const rows = generateLog(world, { policy, events, candidatesPerEvent, epsilon, seed });
    const file = await writeLinesFile(
      outDir,
      `logs/${policy}.jsonl.gz`,
      formatted(rows, rewards, (done) => report({ stage, done, total: events })),
    );
    return { file, meanReward: events > 0 ? rewards.sum / events : 0 };
  };
  const uniform = await writeLog("uniform", options.uniformEvents ?? 200_000);
  const egreedy = await writeLog("egreedy", options.egreedyEvents ?? 200_000);

  report({ stage: "true values", done: 0, total: trueValueDecisions });
  const values = trueValues(world, referencePolicies(epsilon), {
    decisions: trueValueDecisions,
    candidatesPerEvent,
    seed,
  });
  report({ stage: "true values", done: trueValueDecisions, total: trueValueDecisions });

  const manifest: SampleDataManifest = {
    generator: "recs src/world/generate-sample.ts (recs gen-data)",
    seed,
    params: world.params,
    candidatesPerEvent,
    epsilon,
    files: { catalog, uniformLog: uniform.file, egreedyLog: egreedy.file },
    loggedMeanReward: { uniform: uniform.meanReward, egreedy: egreedy.meanReward },
    trueValueDecisions,
    trueValues: values,
  };
  await writeFile(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function* formatted(
  rows: Iterable<LoggedDecision>,
  rewards: { sum: number },
  onProgress: (done: number) => void,
): Generator<string> {
  let done = 0;
  for (const row of rows) {
    rewards.sum += row.reward;
    yield formatLogRow(row);
    if (++done % 10_000 === 0) onProgress(done);
  }
  if (done % 10_000 !== 0) onProgress(done);
}

async function writeLinesFile(outDir: string, relativePath: string, lines: Iterable<string>): Promise<GeneratedFile> {
  const fullPath = join(outDir, ...relativePath.split("/"));
  const rows = await writeJsonLines(fullPath, lines);
  const bytes = await readFile(fullPath);
  return { path: relativePath, rows, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}
