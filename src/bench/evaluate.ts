/**
 * Benchmark (not a test): replay evaluation of 1M logged events, d = 16, 50 candidates per event, per
 * policy. The log comes from the world generator, in memory (generation is not timed). Each policy is
 * timed on its own pass with the bootstrap off; the 200-resample bootstrap is timed once, apart.
 *
 *   npx tsx src/bench/evaluate.ts                      # every policy, one after another
 *   npx tsx src/bench/evaluate.ts --workers            # one worker thread per policy, at once
 *   npx tsx src/bench/evaluate.ts --events 200000 --estimator replay --estimator ips --policy linucb
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { EstimatorName } from "../eval/bootstrap";
import { evaluate } from "../eval/evaluate";
import type { LoggedDecision } from "../eval/log-format";
import { parsePolicySpec, policySpecName } from "../eval/policy-spec";
import { catalogItems, generateLog } from "../world/log-generator";
import { createWorld } from "../world/world";

interface BenchJob {
  events: number;
  policy: string;
  estimators: EstimatorName[];
}

const DEFAULT_POLICIES = [
  "random",
  "popularity",
  "egreedy:epsilon=0.1",
  "linucb:alpha=0.5,epsilon=0.05,session=on,longterm=on",
];
const world = createWorld({ dim: 16 }, 42);
const catalog = catalogItems(world);

function makeLog(events: number): { rows: LoggedDecision[]; seconds: number } {
  const start = performance.now();
  const rows = [...generateLog(world, { policy: "uniform", events, candidatesPerEvent: 50, seed: 7 })];
  return { rows, seconds: (performance.now() - start) / 1000 };
}

/** One policy's timed pass: events per second, matched rows and the replay estimate. */
async function timePass(rows: LoggedDecision[], job: BenchJob, bootstrap = 0) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await evaluate(rows, {
    catalog,
    policies: [parsePolicySpec(job.policy)],
    estimators: job.estimators,
    bootstrap,
    seed: 1,
  });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  // CPU time of the whole process: meaningful when one pass runs at a time (not with --workers).
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const estimates = result.policies[0]!.estimates;
  return {
    policy: policySpecName(parsePolicySpec(job.policy)),
    seconds,
    eventsPerSecond: rows.length / seconds,
    eventsPerCpuSecond: rows.length / cpuSeconds,
    matched: estimates.replay?.n ?? null,
    replay: estimates.replay?.value ?? null,
  };
}

function parseArgs(argv: string[]) {
  const policies: string[] = [];
  const estimators: EstimatorName[] = [];
  let events = 1_000_000;
  let workers = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--workers") workers = true;
    else if (arg === "--events") events = Number(argv[++i]);
    else if (arg === "--policy") policies.push(argv[++i]!);
    else if (arg === "--estimator") estimators.push(argv[++i] as EstimatorName);
    else throw new Error(`unknown argument ${arg}; see the header of src/bench/evaluate.ts`);
  }
  if (!Number.isInteger(events) || events < 1) throw new Error("--events must be a whole number ≥ 1");
  return {
    policies: policies.length > 0 ? policies : DEFAULT_POLICIES,
    estimators: estimators.length > 0 ? estimators : (["replay"] as EstimatorName[]),
    events,
    workers,
  };
}

const line = (r: Awaited<ReturnType<typeof timePass>>) =>
  `${r.policy.padEnd(54)} ${Math.round(r.eventsPerSecond).toLocaleString("en-US").padStart(10)} events/s  ` +
  `${r.seconds.toFixed(2).padStart(7)} s  ` +
  `(${Math.round(r.eventsPerCpuSecond).toLocaleString("en-US")} events per CPU-second)  ` +
  `matched ${r.matched ?? "-"}  replay ${r.replay?.toFixed(4) ?? "-"}`;

async function runWorkers(options: ReturnType<typeof parseArgs>): Promise<void> {
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = import.meta.url;
  const bootstrap =
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); ` + `return import(${JSON.stringify(entry)}); });`;
  const workers = options.policies.map(
    (policy) =>
      new Worker(bootstrap, {
        eval: true,
        workerData: { events: options.events, policy, estimators: options.estimators } satisfies BenchJob,
      }),
  );
  const message = (worker: Worker) =>
    new Promise<{ kind: string; result?: Awaited<ReturnType<typeof timePass>> }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  await Promise.all(workers.map(message)); // each has generated its log
  const start = performance.now();
  const done = workers.map(message);
  for (const worker of workers) worker.postMessage("go");
  const results = await Promise.all(done);
  const wall = (performance.now() - start) / 1000;
  for (const r of results) console.log(line(r.result!));
  console.log(
    `all ${workers.length} policies at once: ${wall.toFixed(2)} s wall, ` +
      `${Math.round((options.events * workers.length) / wall).toLocaleString("en-US")} policy-events/s in total`,
  );
  await Promise.all(workers.map((w) => w.terminate()));
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.log(
    `replay benchmark: ${options.events.toLocaleString("en-US")} logged events, d = 16, 50 candidates, ` +
      `estimators ${options.estimators.join(",")}; node ${process.version}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
  );
  if (options.workers) return runWorkers(options);
  const log = makeLog(options.events);
  console.log(`log generated in ${log.seconds.toFixed(1)} s (not timed below)`);
  for (const policy of options.policies)
    console.log(line(await timePass(log.rows, { events: options.events, policy, estimators: options.estimators })));
  const withBootstrap = await timePass(
    log.rows,
    { events: options.events, policy: "random", estimators: options.estimators },
    200,
  );
  console.log(`random again with the 200-resample bootstrap: ${withBootstrap.seconds.toFixed(2)} s in all`);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

if (isMainThread) {
  await main();
} else {
  const job = workerData as BenchJob;
  const log = makeLog(job.events);
  parentPort!.postMessage({ kind: "ready" });
  parentPort!.once("message", () => {
    void timePass(log.rows, job).then((result) => parentPort!.postMessage({ kind: "done", result }));
  });
}
