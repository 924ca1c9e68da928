import { InvalidArgumentError } from "commander";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { checkSurface, type SurfacePolicy } from "../engine/surfaces";
import { ESTIMATOR_NAMES, type EstimatorName } from "../eval/bootstrap";
import type { PolicyResult } from "../eval/evaluate";
import { parsePolicyArg } from "../eval/policy-spec";
import type { SurfaceSettingsRecord } from "../state/ports";
import { runEvaluate, type EvaluateIo } from "./evaluate-command";
import { parseDuration } from "./option-values";
import { author, defaultIo, describeSettings, inForce, withStores } from "./surface-records";

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
