import { InvalidArgumentError, type Command } from "commander";
import { checkSurface } from "../engine/surfaces";
import { ESTIMATOR_NAMES } from "../eval/bootstrap";
import type { SurfaceSettingsRecord } from "../state/ports";
import type { EvaluateIo } from "./evaluate-command";
import { wholeNumber } from "./option-values";
import { runPromote, type PromoteFlags } from "./promote-command";
import { author, defaultIo, withStores } from "./surface-records";
import { reportingUsageErrors } from "./usage-errors";

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
