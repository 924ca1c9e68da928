import { writeFileSync } from "node:fs";
import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import { lineChartSvg } from "../report/svg-chart";
import { loadConfig, type Config } from "../config";
import { figuresOf, simulateFamily, type FamilyRow } from "../sim/family";
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
    const bar = new SingleBar(
      { format: "{stage} |{bar}| {value}/{total}", hideCursor: true, stream: process.stderr },
      Presets.shades_classic,
    );
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
      .description(
        "Run the real engine and four baselines (random, popularity, context-free bandit, oracle) " +
          "on a synthetic storefront",
      )
      .option("--decisions <n>", "recommendation requests to simulate", intFlag("--decisions", 10), 10_000)
      .option("--k <n>", "slots per recommendation", intFlag("--k", 1, 100), 5)
      .option("--seed <n>", "random seed (world, shoppers and clicks)", intFlag("--seed", 0), 42)
      .option(
        "--alpha <x>",
        "the engine's LinUCB α (default: RECS_ALPHA, else the service's default)",
        numberFlag("--alpha", 0, 100),
      )
      .option(
        "--epsilon <x>",
        "the engine's ε (default: RECS_EPSILON, else the service's default)",
        numberFlag("--epsilon", 0, 1),
      )
      .option(
        "--worlds <n>",
        "simulate a family of N worlds drawn from declared ranges (world flags are then ignored)",
        intFlag("--worlds", 1, 1000),
      )
      .option("--family-seed <n>", "seed of the family of worlds (--worlds)", intFlag("--family-seed", 0), 1)
      .option("--windows <n>", "points on the click-rate curve", intFlag("--windows", 2, 1000), 20)
      .option("--chart <file.svg>", "write the click-rate chart here", "simulation.svg")
      .option("--json <file>", "also write the results as JSON")
      .option("--database-url <url>", "run the engine on this Postgres (default: embedded PGlite in memory)")
      .option("--redis-url <url>", "run the engine on this Redis, under the prefix recs-sim: (default: in-memory)"),
  ).action(async (opts: Record<string, unknown>) => {
    const decisions = opts.decisions as number;
    const engine = engineSettings(opts);
    if (opts.worlds !== undefined) {
      await simulateWorlds(opts, engine);
      return;
    }
    const bar = new SingleBar(
      {
        format: "simulating |{bar}| {value}/{total} decisions | {duration}s",
        hideCursor: true,
        stream: process.stderr,
      },
      Presets.shades_classic,
    );
    bar.start(decisions, 0);
    const result = await simulate({
      world: worldParamsFrom(opts),
      seed: opts.seed as number,
      ...runOptions(opts, engine),
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    printSimulation(result);
    writeFileSync(String(opts.chart), simulationChart(result));
    console.log(`chart: ${String(opts.chart)}`);
    if (opts.json) writeFileSync(String(opts.json), JSON.stringify(result, null, 2));
  });
}

/** The engine's learning settings: the environment's (RECS_*), as `serve` reads them, then the flags. */
function engineSettings(opts: Record<string, unknown>): Partial<Config> {
  const c = loadConfig(process.env);
  const settings: { -readonly [K in keyof Config]?: Config[K] } = {
    alpha: c.alpha,
    epsilon: c.epsilon,
    positionDiscount: c.positionDiscount,
    learningRate: c.learningRate,
    candidates: c.candidates,
    priorSession: c.priorSession,
    priorLongTerm: c.priorLongTerm,
    priorPopularity: c.priorPopularity,
    priorStrength: c.priorStrength,
  };
  if (typeof opts.alpha === "number") settings.alpha = opts.alpha;
  if (typeof opts.epsilon === "number") settings.epsilon = opts.epsilon;
  return settings;
}

/** What one world's run and a family's share: length, slate size, the engine's settings, its stores. */
function runOptions(opts: Record<string, unknown>, engine: Partial<Config>) {
  return {
    decisions: opts.decisions as number,
    k: opts.k as number,
    engine,
    windows: opts.windows as number,
    stores: { databaseUrl: opts.databaseUrl as string | undefined, redisUrl: opts.redisUrl as string | undefined },
  };
}

async function simulateWorlds(opts: Record<string, unknown>, engine: Partial<Config>): Promise<void> {
  const decisions = opts.decisions as number;
  const bar = new SingleBar(
    {
      format: "world {world} |{bar}| {value}/{total} decisions | {duration}s",
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  const rows = await simulateFamily({
    worlds: opts.worlds as number,
    familySeed: opts.familySeed as number,
    ...runOptions(opts, engine),
    onProgress: (world, done) => {
      if (done === Math.floor(decisions / (opts.windows as number))) bar.start(decisions, done, { world: world.index });
      else bar.update(done);
    },
    onWorld: () => bar.stop(),
  });
  bar.stop();
  printFamily(rows, engine);
  writeFileSync(String(opts.chart), familyChart(rows));
  console.log(`chart: ${String(opts.chart)}`);
  if (opts.json) writeFileSync(String(opts.json), JSON.stringify({ engine, worlds: rows }, null, 2));
}

const pct = (x: number) => `${(x * 100).toFixed(1)}`.padStart(5);

/** One row per world: each headline figure for the engine beside every baseline's. */
export function printFamily(rows: FamilyRow[], engine: Partial<Config>): void {
  console.log(
    `\nengine settings: ${Object.entries(engine)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(" ")}`,
  );
  console.log(
    "gap = share of the random→oracle gap closed over the second half; " +
      "intent = share of slots in the intent category right after an organic click on it;",
  );
  console.log(
    "first 500 = click rate per slot over the first 500 requests. Columns: " +
      "engine | similarity baseline | popularity | context-free bandit | random.\n",
  );
  console.log(`${"world".padEnd(6)}${"kind".padEnd(52)}${"gap %".padEnd(32)}${"intent %".padEnd(20)}first 500 CTR %`);
  for (const { world, result } of rows) {
    const fig = (prefix: string) => figuresOf(result, prefix);
    const names = ["engine", "similarity", "popularity", "context-free", "random"];
    const gap = names.map((n) => pct(fig(n).gapClosed)).join(" ");
    const intent = ["engine", "similarity", "random"].map((n) => pct(fig(n).intentShareAfterIntentClick)).join(" ");
    const first = ["engine", "similarity", "random"]
      .map((n) => (fig(n).first500 * 100).toFixed(2).padStart(5))
      .join(" ");
    console.log(
      `${String(world.index).padEnd(6)}${world.kind.slice(0, 50).padEnd(52)}` +
        `${gap.padEnd(32)}${intent.padEnd(20)}${first}`,
    );
  }
  const worst = (get: (r: SimulationResult) => number) => Math.min(...rows.map((r) => get(r.result)));
  const beatsFirst = rows.filter(
    (r) => figuresOf(r.result, "engine").first500 >= figuresOf(r.result, "similarity").first500,
  ).length;
  console.log(
    `\nworst world: engine gap ${pct(worst((r) => figuresOf(r, "engine").gapClosed))}%, ` +
      `intent ${pct(worst((r) => figuresOf(r, "engine").intentShareAfterIntentClick))}%; ` +
      `engine gap − similarity gap ≥ ` +
      `${pct(worst((r) => figuresOf(r, "engine").gapClosed - figuresOf(r, "similarity").gapClosed))} points; ` +
      `first 500 ≥ similarity's in ${beatsFirst} of ${rows.length} worlds`,
  );
}

function familyChart(rows: FamilyRow[]): string {
  const normalized = (result: SimulationResult, prefix: string) => {
    const rate = (p: string) => result.policies.find((x) => x.name.startsWith(p))!.windows;
    const random = rate("random");
    const oracle = rate("oracle");
    return rate(prefix).map((w, i) => (100 * (w - random[i]!)) / Math.max(1e-9, oracle[i]! - random[i]!));
  };
  // Over the worlds, per window: the median as the line, the middle 80% as the band.
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const at = (values: number[], q: number) =>
    values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))]!;
  const acrossWorlds = (prefix: string) => {
    const perWorld = rows.map(({ result }) => normalized(result, prefix));
    const windowSize = rows[0]!.result.windowSize;
    const columns = perWorld[0]!.map((_, i) => sorted(perWorld.map((curve) => curve[i]!)));
    return {
      points: columns.map((c, i): [number, number] => [(i + 1) * windowSize, at(c, 0.5)]),
      band: columns.map((c, i): [number, number, number] => [(i + 1) * windowSize, at(c, 0.1), at(c, 0.9)]),
    };
  };
  const gaps = (prefix: string) => sorted(rows.map(({ result }) => 100 * figuresOf(result, prefix).gapClosed));
  const engineGaps = gaps("engine");
  const similarityGaps = gaps("similarity");
  return lineChartSvg(
    [
      { name: "engine (median world)", ...acrossWorlds("engine") },
      { name: "similarity (median world)", ...acrossWorlds("similarity") },
    ],
    {
      title: `Share of the random→oracle gap closed, per window, ${rows.length} worlds`,
      subtitle:
        `gap closed (second half): engine median ${at(engineGaps, 0.5).toFixed(1)}%, ` +
        `worst ${engineGaps[0]!.toFixed(1)}%; similarity median ${at(similarityGaps, 0.5).toFixed(1)}%`,
      xLabel: "recommendation requests (band: middle 80% of worlds)",
      yLabel: "gap closed (%)",
      robust: true,
      reference: 0,
    },
  );
}

function printSimulation(r: SimulationResult): void {
  console.log(
    `\nclick rate per slot (k=${r.k}, ${r.decisions} decisions, seed ${r.seed}), ` +
      `by window of ${r.windowSize} decisions:`,
  );
  const width = Math.max(...r.policies.map((p) => p.name.length));
  for (const p of r.policies) {
    const curve = p.windows.map((w) => (w * 100).toFixed(1).padStart(5)).join(" ");
    console.log(
      `  ${p.name.padEnd(width)} ${curve}   overall ${(p.overall * 100).toFixed(2)}%  ` +
        `second half ${(p.secondHalf * 100).toFixed(2)}%`,
    );
  }
  console.log(
    `\nthe engine closes ${(r.gapClosed * 100).toFixed(1)}% of the gap between random and oracle (second half)`,
  );
  const contextFree = r.policies.find((p) => p.name.startsWith("context-free"))!.secondHalf;
  const engine = r.policies[0]!.secondHalf;
  console.log(`engine vs context-free bandit: ${(engine / Math.max(contextFree, 1e-9)).toFixed(1)}× the click rate`);
  console.log(
    `share of the session's intent category among the engine's slots: ${(r.intentShareCold * 100).toFixed(1)}% ` +
      `at a session's first request, ` +
      `${(r.intentShareAfterIntentClick * 100).toFixed(1)}% right after an organic click on it`,
  );
}

function simulationChart(r: SimulationResult): string {
  // Each window's click rate is clicks over windowSize·k slots: its band is the 95% Wilson interval.
  const slots = r.windowSize * r.k;
  const z = 1.96;
  const wilson = (p: number): [number, number] => {
    const centre = (p + (z * z) / (2 * slots)) / (1 + (z * z) / slots);
    const half = (z * Math.sqrt((p * (1 - p)) / slots + (z * z) / (4 * slots * slots))) / (1 + (z * z) / slots);
    return [100 * (centre - half), 100 * (centre + half)];
  };
  return lineChartSvg(
    r.policies.map((p) => ({
      name: p.name,
      points: p.windows.map((w, i): [number, number] => [(i + 1) * r.windowSize, w * 100]),
      band: p.windows.map((w, i): [number, number, number] => [(i + 1) * r.windowSize, ...wilson(w)]),
    })),
    {
      title: `Click rate over time (k=${r.k}, seed ${r.seed})`,
      subtitle:
        `the engine closes ${(r.gapClosed * 100).toFixed(1)}% of the random→oracle gap (second half); ` +
        `bands: 95% per window`,
      xLabel: "recommendation requests",
      yLabel: "click rate per slot (%)",
    },
  );
}
