/**
 * Start-up time of the built dist/ against tsx on the sources (what every start did before dist/),
 * runs alternated: `npx tsx scripts/time-start.ts [runs]` (builds dist/ first; docs/benchmarks.md).
 * `recs config` is timed to exit; `recs serve` (embedded store, warm data folder) to its "bound" and
 * "listening" lines, then stopped with SIGTERM.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDist } from "./build";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** What bin/recs.js did before dist/: register tsx, import the sources. */
const FROM_SOURCES =
  'import { register } from "tsx/esm/api"; register(); const { main } = await import("./src/cli/main.ts"); ' +
  "await main(process.argv);";
const variants = {
  dist: ["bin/recs.js"],
  tsx: ["--input-type=module", "-e", FROM_SOURCES, "recs"],
};
type Variant = keyof typeof variants;

/** Milliseconds from spawn to each line matching a mark (or to exit when there are none). */
function timeRun(variant: Variant, args: string[], env: Record<string, string>, marks: RegExp[]): Promise<number[]> {
  const started = performance.now();
  const child = spawn(process.execPath, [...variants[variant], ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const times: number[] = [];
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      while (times.length < marks.length && marks[times.length]!.test(out)) times.push(performance.now() - started);
      if (marks.length > 0 && times.length === marks.length) child.kill("SIGTERM");
    });
    child.once("exit", (code) => {
      if (marks.length === 0) times.push(performance.now() - started);
      if (times.length === Math.max(1, marks.length) && (code === 0 || marks.length > 0)) resolve(times);
      else
        reject(
          new Error(
            `${variant} ${args.join(" ")} exited ${code} after ${times.length} of ${marks.length} marks:\n${out}`,
          ),
        );
    });
  });
}

const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return (
    `median ${Math.round(sorted[Math.floor(sorted.length / 2)]!)} ms (min ${Math.round(sorted[0]!)}, ` +
    `max ${Math.round(sorted[sorted.length - 1]!)})`
  );
};

const runs = Number(process.argv[2] ?? 10);
await buildDist();
const dataDirs = { dist: mkdtempSync(join(tmpdir(), "recs-start-")), tsx: mkdtempSync(join(tmpdir(), "recs-start-")) };
const serveEnv = (variant: Variant) => ({ RECS_PORT: "0", RECS_DATA_DIR: dataDirs[variant], RECS_LOG_LEVEL: "warn" });
const serveMarks = [/"event":"bound"/, /"event":"listening"/];
try {
  const results: Record<string, number[]> = {};
  const record = (name: string, ms: number) => (results[name] ??= []).push(ms);
  // Warm-up: the data folders get their database and sample catalog, tsx fills its cache.
  for (const variant of ["dist", "tsx"] as const) await timeRun(variant, ["serve"], serveEnv(variant), serveMarks);
  for (let i = 0; i < runs; i++) {
    for (const variant of (i % 2 === 0 ? ["dist", "tsx"] : ["tsx", "dist"]) as Variant[]) {
      record(`${variant} config`, (await timeRun(variant, ["config"], {}, []))[0]!);
      const [bound, listening] = await timeRun(variant, ["serve"], serveEnv(variant), serveMarks);
      record(`${variant} serve → bound`, bound!);
      record(`${variant} serve → listening`, listening!);
    }
  }
  for (const [name, ms] of Object.entries(results).sort())
    console.log(`${name.padEnd(24)} ${summary(ms)}, ${ms.length} runs`);
} finally {
  for (const dir of Object.values(dataDirs)) rmSync(dir, { recursive: true, force: true });
}
