import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import { statSync } from "node:fs";
import { createLogger } from "../log";
import { durableStoreName } from "../state/open-stores";
import { checkSurface } from "../engine/surfaces";
import { warmStart } from "../eval/warm-start";
import { openDurable } from "./data-commands";

/** `recs warm-start --log FILE`: the service's model trained on logged decisions, saved as the snapshot serve loads. */
export function registerWarmStartCommand(program: Command): void {
  program
    .command("warm-start")
    .description(
      "Train the model on logged decisions (the evaluate log format) as the service would have, log the updates " +
        "and save the snapshot the next `recs serve` starts from",
    )
    .requiredOption("--log <file>", "logged decisions, JSON Lines (.gz read gzipped)")
    .option("--surface <name>", "the surface whose model the log trains (1..64 of a-z, 0-9, _ and -)", "default")
    .action(async (opts: { log: string; surface: string }) => {
      const surface = checkSurface("--surface", opts.surface);
      const size = fileSize(opts.log);
      const { config, durable } = await openDurable();
      const bar = new SingleBar(
        { format: "{phase} |{bar}| {percentage}% | {rows} rows", hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      );
      // Two passes over the file: the check (nothing is written before the whole file reads), then training.
      bar.start(2 * size, 0, { phase: "checking", rows: 0 });
      try {
        await durable.migrate();
        const summary = await warmStart(
          opts.log,
          { durable, config, surface, logger: createLogger(config.logLevel === "info" ? "warn" : config.logLevel) },
          ({ phase, rows, bytesRead }) =>
            bar.update(Math.min(bytesRead, size) + (phase === "train" ? size : 0), {
              phase: phase === "check" ? "checking" : "training",
              rows,
            }),
        );
        bar.stop();
        console.log(
          `warm start: ${summary.rows} rows, ${summary.updates} updates logged and trained` +
            (summary.duplicates > 0 ? ` (${summary.duplicates} rows warm-started before, skipped)` : "") +
            `; model ${summary.modelVersion} (held ${summary.updatesBefore} updates before), ` +
            `snapshot at log position ${summary.position} in ${durableStoreName(config)}`,
        );
      } finally {
        bar.stop();
        await durable.close();
      }
    });
}

/** The file's size, or an error that names the file. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}
