import { InvalidArgumentError, type Command } from "commander";
import { mkdir, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import type { Config } from "../config";
import { parseSurfaceSettings } from "../engine/surface-settings";
import { checkSurface, type SurfacePolicy } from "../engine/surfaces";
import { ESTIMATOR_NAMES, type EstimatorName } from "../eval/bootstrap";
import type { PolicyResult } from "../eval/evaluate";
import { parsePolicyArg } from "../eval/policy-spec";
import type { DurableStores, SurfaceSettingsRecord } from "../state/ports";
import { openDurable } from "./data-commands";
import { runEvaluate, type EvaluateIo } from "./evaluate-command";
import { reportingUsageErrors } from "./usage-errors";

export interface PromoteFlags {
  surface: string;
  candidate: string;
  since?: string;
  json?: string;
  force?: boolean;
  estimator: string;
  bootstrap: number;
  seed: number;
  reason?: string;
  author?: string;
}

/** What `recs promote` decided, and on what evidence. */
export interface PromoteOutcome {
  surface: string;
  estimator: EstimatorName;
  live: { name: string; value: number; ci: [number, number]; settings: SurfacePolicy };
  candidate: { name: string; value: number; ci: [number, number]; settings: SurfacePolicy };
  rows: number;
  /** The gate: the candidate's lower bound is above live's point estimate. */
  passed: boolean;
  /** The record written (passed, or forced); null when refused. */
  written: SurfaceSettingsRecord | null;
}

const defaultIo: EvaluateIo = { out: (text) => console.log(text), progress: process.stderr, env: process.env };

/** `recs settings`, `recs promote`, `recs rollback`: a surface's settings records in the database. */
export function registerSurfaceCommands(program: Command, io: EvaluateIo = defaultIo): void {
  const settings = program
    .command("settings")
    .description("Show a surface's settings records, newest first (the first is in force on every replica)")
    .option("--surface <name>", "the surface", "default");
  settings.action(
    reportingUsageErrors(settings, async (flags: { surface: string }) => {
      await runSettings(flags, io);
    }),
  );
  const promote = program
    .command("promote")
    .description(
      "Evaluate a candidate's settings against live on the surface's own logs; switch every replica to them " +
        "only if the candidate's lower bound beats live's estimate",
    )
    .requiredOption("--surface <name>", "the surface")
    .requiredOption(
      "--candidate <spec>",
      "live:alpha=A,epsilon=E,session=on|off,longterm=on|off,max_per_category=N (any of them)",
    )
    .option("--since <duration>", "only impressions of the last DURATION (e.g. 30m, 24h, 7d)")
    .option("--json <out>", "write both evaluations and the decision as JSON")
    .option("--force", "write the candidate's settings whatever the gate says (recorded as forced)")
    .option("--estimator <name>", `the estimator both are judged by: ${ESTIMATOR_NAMES.join(", ")}`, "snips")
    .option("--bootstrap <n>", "bootstrap resamples for the 95% intervals", wholeNumber("--bootstrap", 10), 200)
    .option("--seed <s>", "seed of the policies' exploration and of the bootstrap", wholeNumber("--seed", 0), 1)
    .option("--reason <text>", "recorded with the settings")
    .option("--author <name>", "recorded with the settings (default: the user running the command)");
  promote.action(
    reportingUsageErrors(promote, async (flags: PromoteFlags) => {
      const outcome = await runPromote(flags, io);
      if (!outcome.written) process.exitCode = 1;
    }),
  );
  const rollback = program
    .command("rollback")
    .description(
      "Return a surface to its previous settings record (written as a new version), or with --model its model " +
        "to a kept version (what was learned after it is discarded on every replica)",
    )
    .requiredOption("--surface <name>", "the surface")
    .option("--model <version>", "a model version `recs settings` lists (e.g. hlinucb-d32-u1200@home)")
    .option("--reason <text>", "recorded with the settings")
    .option("--author <name>", "recorded with the settings (default: the user running the command)");
  rollback.action(
    reportingUsageErrors(
      rollback,
      async (flags: { surface: string; model?: string; reason?: string; author?: string }) => {
        if (flags.model === undefined) await runRollback(flags, io);
        else await runModelRollback({ surface: flags.surface, model: flags.model }, io);
      },
    ),
  );
}

function wholeNumber(name: string, min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return n;
  };
}

/** `30m`, `24h`, `7d`, `90s` as milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  const unit = match ? { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "s" | "m" | "h" | "d"] : 0;
  const ms = match ? Number(match[1]) * unit : NaN;
  if (!(ms > 0)) throw new InvalidArgumentError(`--since must be a duration like 30m, 24h or 7d, got "${text}"`);
  return ms;
}

async function withStores<T>(io: EvaluateIo, fn: (durable: DurableStores, config: Config) => Promise<T>): Promise<T> {
  const { config, durable } = await openDurable(io.env);
  try {
    await durable.migrate();
    return await fn(durable, config);
  } finally {
    await durable.close();
  }
}

/** A surface's settings as one line: α, ε, then the switches and cap that differ from the defaults. */
export function describeSettings(settings: SurfacePolicy): string {
  return (
    `alpha=${settings.alpha}, epsilon=${settings.epsilon}` +
    (settings.session === false ? ", session=off" : "") +
    (settings.longTerm === false ? ", longterm=off" : "") +
    (settings.maxPerCategory ? `, max_per_category=${settings.maxPerCategory}` : "")
  );
}

/** The settings in force: the newest record's, else the environment's. */
function inForce(history: readonly SurfaceSettingsRecord[], config: Config): SurfacePolicy {
  return history[0] ? parseSurfaceSettings(history[0].settings) : { alpha: config.alpha, epsilon: config.epsilon };
}

const author = (given: string | undefined, env: NodeJS.ProcessEnv) => given ?? env.USER ?? userInfo().username;

/** Prints the surface's records, newest first, and returns them. */
export async function runSettings(flags: { surface: string }, io: EvaluateIo = defaultIo) {
  const surface = checkSurface("--surface", flags.surface);
  return withStores(io, async (durable, config) => {
    const history = await durable.settings.history(surface);
    if (history.length === 0)
      io.out(
        `surface "${surface}" has no settings records: it runs with the environment's ` +
          `(alpha=${config.alpha}, epsilon=${config.epsilon})`,
      );
    else io.out(`settings of surface "${surface}" (newest first; the first is in force):`);
    for (const record of history)
      io.out(
        `  v${record.version}  ${new Date(record.createdAtMs).toISOString()}  ${JSON.stringify(record.settings)}` +
          `${record.forced ? "  FORCED" : ""}  by ${record.author || "?"}: ${record.reason}`,
      );
    const versions = await durable.snapshots.versions(surface);
    io.out(`model versions kept (newest first; recs rollback --surface ${surface} --model VERSION):`);
    for (const version of versions)
      io.out(
        `  ${version.modelVersion}  log position ${version.eventSeq}  ${new Date(version.createdAtMs).toISOString()}`,
      );
    if (versions.length === 0) io.out("  none yet (one is saved every RECS_SNAPSHOT_INTERVAL_S and at shutdown)");
    return history;
  });
}

/**
 * `recs promote`: live and the candidate on the surface's own logs, one estimator, one bootstrap; a new
 * settings record only when the candidate's lower bound beats live's point estimate (or `--force`).
 */
export async function runPromote(flags: PromoteFlags, io: EvaluateIo = defaultIo): Promise<PromoteOutcome> {
  const surface = checkSurface("--surface", flags.surface);
  const candidate = parsePolicyArg(flags.candidate);
  if (candidate.kind !== "live" || Object.keys(candidate).length === 1)
    throw new InvalidArgumentError(
      `--candidate "${flags.candidate}": name the settings to promote as ` +
        "live:alpha=A,epsilon=E,session=on|off,longterm=on|off,max_per_category=N (any of them; the surface's " +
        "own learning, scored with them): only settings can be switched on a running surface",
    );
  const estimator = flags.estimator.trim().toLowerCase() as EstimatorName;
  if (!ESTIMATOR_NAMES.includes(estimator))
    throw new InvalidArgumentError(`"${flags.estimator}" is not an estimator; use ${ESTIMATOR_NAMES.join(", ")}`);
  const sinceMs = flags.since === undefined ? undefined : Date.now() - parseDuration(flags.since);
  // The version the evaluation is of: a record written meanwhile makes the write below fail.
  const before = await withStores(io, async (durable, config) => {
    const history = await durable.settings.history(surface);
    return { version: history[0]?.version ?? 0, settings: inForce(history, config) };
  });
  const { kind: _, ...overrides } = candidate;
  const proposed: SurfacePolicy = { ...before.settings, ...overrides };
  if (describeSettings(proposed) === describeSettings(before.settings))
    throw new InvalidArgumentError(
      `--candidate "${flags.candidate}" is what surface "${surface}" runs with already ` +
        `(${describeSettings(proposed)}): nothing to promote`,
    );
  const result = await runEvaluate(
    {
      fromDb: true,
      surface,
      policy: [{ kind: "live" }, candidate],
      estimator: [estimator],
      bootstrap: flags.bootstrap,
      seed: flags.seed,
      progress: false,
      ...(sinceMs === undefined ? {} : { sinceMs }),
    },
    io,
  );
  if (result.log.rowsEvaluated === 0)
    throw new InvalidArgumentError(
      `surface "${surface}" has no logged impressions${flags.since ? ` in the last ${flags.since}` : ""}: ` +
        "nothing to judge the candidate on",
    );
  const live = estimateOf(result.policies[0]!, estimator);
  const judged = estimateOf(result.policies[1]!, estimator);
  const passed = judged.ci[0] > live.value;
  const evidence =
    `${estimator} over ${result.log.rowsEvaluated} impressions: candidate ${fmt(judged.value)} ` +
    `[${fmt(judged.ci[0])}, ${fmt(judged.ci[1])}] vs live ${fmt(live.value)} [${fmt(live.ci[0])}, ${fmt(live.ci[1])}]`;
  io.out(
    passed
      ? `PASSED: the candidate's lower bound ${fmt(judged.ci[0])} beats live's estimate ${fmt(live.value)}`
      : `REFUSED: the candidate's lower bound ${fmt(judged.ci[0])} does not beat live's estimate ${fmt(live.value)}` +
          (flags.force ? " (written anyway: --force)" : "; settings unchanged (--force to switch anyway)"),
  );
  let written: SurfaceSettingsRecord | null = null;
  if (passed || flags.force) {
    written = await withStores(io, (durable) =>
      durable.settings.append(
        surface,
        { ...proposed },
        {
          reason:
            `promote ${flags.candidate}${flags.since ? ` --since ${flags.since}` : ""}: ${evidence}` +
            (passed ? "" : " (gate refused; forced)") +
            (flags.reason ? `; ${flags.reason}` : ""),
          author: author(flags.author, io.env),
          forced: !passed,
        },
        before.version,
      ),
    );
    io.out(
      `surface "${surface}" settings v${written.version}: ${describeSettings(proposed)}; ` +
        "every replica follows within seconds",
    );
  }
  const outcome: PromoteOutcome = {
    surface,
    estimator,
    live: { ...live, name: result.policies[0]!.name, settings: before.settings },
    candidate: { ...judged, name: result.policies[1]!.name, settings: proposed },
    rows: result.log.rowsEvaluated,
    passed,
    written,
  };
  if (flags.json) {
    await mkdir(dirname(flags.json), { recursive: true });
    await writeFile(flags.json, `${JSON.stringify({ ...outcome, warnings: result.warnings }, null, 2)}\n`);
    io.out(`JSON written to ${flags.json}`);
  }
  return outcome;
}

function estimateOf(policy: PolicyResult, estimator: EstimatorName): { value: number; ci: [number, number] } {
  const estimate = policy.estimates[estimator]!;
  return { value: estimate.value, ci: [estimate.ci[0], estimate.ci[1]] };
}

const fmt = (value: number) => value.toFixed(4);

/** `recs rollback --surface S`: the settings of the record before the one in force, as a new version. */
export async function runRollback(
  flags: { surface: string; reason?: string; author?: string },
  io: EvaluateIo = defaultIo,
): Promise<SurfaceSettingsRecord> {
  const surface = checkSurface("--surface", flags.surface);
  return withStores(io, async (durable) => {
    const history = await durable.settings.history(surface);
    const [current, previous] = history;
    if (!current || !previous)
      throw new InvalidArgumentError(
        `surface "${surface}" has ${history.length === 0 ? "no settings records" : "only settings version 1"}: ` +
          "there is no earlier record to return to (recs settings shows the history)",
      );
    const record = await durable.settings.append(
      surface,
      previous.settings,
      {
        reason: `rollback from v${current.version} to v${previous.version}${flags.reason ? `: ${flags.reason}` : ""}`,
        author: author(flags.author, io.env),
        forced: false,
      },
      current.version,
    );
    io.out(
      `surface "${surface}" settings v${record.version} = v${previous.version}'s ` +
        `${JSON.stringify(previous.settings)}; ` +
        "every replica follows within seconds",
    );
    return record;
  });
}

/**
 * `recs rollback --surface S --model VERSION`: every update of the surface logged after that snapshot's
 * log position is taken back through the log (`EventLog.rollbackSurface`), so every replica following it,
 * and every later restart, holds the model as it was at that version. Returns how many were discarded.
 */
export async function runModelRollback(
  flags: { surface: string; model: string },
  io: EvaluateIo = defaultIo,
): Promise<{ discarded: number; eventSeq: string }> {
  const surface = checkSurface("--surface", flags.surface);
  return withStores(io, async (durable) => {
    const versions = await durable.snapshots.versions(surface);
    const target = versions.find((v) => v.modelVersion === flags.model);
    if (!target)
      throw new InvalidArgumentError(
        `--model "${flags.model}" is not a version kept for surface "${surface}"; kept: ` +
          `${versions.map((v) => v.modelVersion).join(", ") || "none"} (RECS_MODEL_VERSIONS_KEPT sets how many)`,
      );
    const discarded = await durable.events.rollbackSurface(surface, target.eventSeq);
    io.out(
      `surface "${surface}" model back to ${target.modelVersion} (log position ${target.eventSeq}): ` +
        `${discarded} model update${discarded === 1 ? "" : "s"} learned after it discarded; every replica ` +
        "follows within a second",
    );
    return { discarded, eventSeq: target.eventSeq };
  });
}
