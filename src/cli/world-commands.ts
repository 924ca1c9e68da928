import { writeFileSync } from "node:fs";
import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import { lineChartSvg } from "../report/svg-chart";
import { simulate, type SimulationResult } from "../sim/simulate";
import { generateSampleData } from "../world/generate-sample";
import { addWorldOptions, intFlag, numberFlag, worldParamsFrom } from "./world-options";

/** `recs gen-data` and `recs simulate`: both run on the seeded synthetic storefront (src/world). */
export function registerWorldCommands(program: Command): void {
  addWorldOptions(
    program
      .command("gen-data")
      .description("Generate the sample catalog and logged data (uniform and ε-greedy logging) with known true values")
      .option("--out <dir>", "output folder", "data")
      .option("--seed <n>", "random seed", intFlag("--seed", 0), 42)
      .option("--uniform-events <n>", "rows of the uniform-random log", intFlag("--uniform-events", 0), 200_000)
      .option("--egreedy-events <n>", "rows of the ε-greedy log", intFlag("--egreedy-events", 0), 200_000)
      .option("--candidates <n>", "candidates per logged decision", intFlag("--candidates", 2), 50)
      .option("--epsilon <x>", "ε of the ε-greedy logging policy", numberFlag("--epsilon", 0, 1), 0.2),
  ).action(async (opts: Record<string, unknown>) => {
    const bar = new SingleBar({ format: "{stage} |{bar}| {value}/{total}", hideCursor: true, stream: process.stderr }, Presets.shades_classic);
    let stage = "";
    const manifest = await generateSampleData(String(opts.out), {
      seed: opts.seed as number,
      params: worldParamsFrom(opts),
      uniformEvents: opts.uniformEvents as number,
      egreedyEvents: opts.egreedyEvents as number,
      candidatesPerEvent: opts.candidates as number,
      epsilon: opts.epsilon as number,
      onProgress: (p) => {
        if (p.stage !== stage) {
          if (stage) bar.stop();
          stage = p.stage;
          bar.start(p.total, p.done, { stage });
        } else bar.update(p.done);
      },
    });
    bar.stop();
    console.log(JSON.stringify(manifest, null, 2));
  });

  addWorldOptions(
    program
      .command("simulate")
      .description("Run the real engine and four baselines (random, popularity, context-free bandit, oracle) on a synthetic storefront")
      .option("--decisions <n>", "recommendation requests to simulate", intFlag("--decisions", 10), 10_000)
      .option("--k <n>", "slots per recommendation", intFlag("--k", 1, 100), 5)
      .option("--seed <n>", "random seed (world, shoppers and clicks)", intFlag("--seed", 0), 42)
      .option("--alpha <x>", "the engine's LinUCB α", numberFlag("--alpha", 0, 100), 0.25)
      .option("--epsilon <x>", "the engine's ε", numberFlag("--epsilon", 0, 1), 0.05)
      .option("--windows <n>", "points on the click-rate curve", intFlag("--windows", 2, 1000), 20)
      .option("--chart <file.svg>", "write the click-rate chart here", "simulation.svg")
      .option("--json <file>", "also write the results as JSON")
      .option("--database-url <url>", "run the engine on this Postgres (default: embedded PGlite in memory)")
      .option("--redis-url <url>", "run the engine on this Redis, under the prefix recs-sim: (default: in-memory)"),
  ).action(async (opts: Record<string, unknown>) => {
    const decisions = opts.decisions as number;
    const bar = new SingleBar({ format: "simulating |{bar}| {value}/{total} decisions | {duration}s", hideCursor: true, stream: process.stderr }, Presets.shades_classic);
    bar.start(decisions, 0);
    const result = await simulate({
      world: worldParamsFrom(opts),
      seed: opts.seed as number,
      decisions,
      k: opts.k as number,
      alpha: opts.alpha as number,
      epsilon: opts.epsilon as number,
      windows: opts.windows as number,
      stores: { databaseUrl: opts.databaseUrl as string | undefined, redisUrl: opts.redisUrl as string | undefined },
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    printSimulation(result);
    writeFileSync(String(opts.chart), simulationChart(result));
    console.log(`chart: ${String(opts.chart)}`);
    if (opts.json) writeFileSync(String(opts.json), JSON.stringify(result, null, 2));
  });
}

function printSimulation(r: SimulationResult): void {
  console.log(`\nclick rate per slot (k=${r.k}, ${r.decisions} decisions, seed ${r.seed}), by window of ${r.windowSize} decisions:`);
  const width = Math.max(...r.policies.map((p) => p.name.length));
  for (const p of r.policies) {
    const curve = p.windows.map((w) => (w * 100).toFixed(1).padStart(5)).join(" ");
    console.log(`  ${p.name.padEnd(width)} ${curve}   overall ${(p.overall * 100).toFixed(2)}%  second half ${(p.secondHalf * 100).toFixed(2)}%`);
  }
  console.log(`\nthe engine closes ${(r.gapClosed * 100).toFixed(1)}% of the gap between random and oracle (second half)`);
  const contextFree = r.policies.find((p) => p.name.startsWith("context-free"))!.secondHalf;
  const engine = r.policies[0]!.secondHalf;
  console.log(`engine vs context-free bandit: ${(engine / Math.max(contextFree, 1e-9)).toFixed(1)}× the click rate`);
  console.log(
    `share of the session's intent category among the engine's slots: ${(r.intentShareCold * 100).toFixed(1)}% at a session's first request, ` +
      `${(r.intentShareAfterIntentClick * 100).toFixed(1)}% right after an organic click on it`,
  );
}

function simulationChart(r: SimulationResult): string {
  return lineChartSvg(
    r.policies.map((p) => ({ name: p.name, points: p.windows.map((w, i): [number, number] => [(i + 1) * r.windowSize, w * 100]) })),
    { title: `Click rate over time (k=${r.k}, seed ${r.seed})`, xLabel: "recommendation requests", yLabel: "click rate per slot (%)" },
  );
}
