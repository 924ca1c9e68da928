import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import { Registry } from "prom-client";
import { loadConfig } from "../config";
import type { StreamEntry } from "../engine/bulk-summary";
import { Engine } from "../engine/engine";
import type { BulkSummary, FeedbackInput } from "../engine/types";
import { createLogger } from "../log";
import { durableStoreName, openStores } from "../state/open-stores";
import { readInteractions } from "./interactions-file";
import { fileSize } from "./warm-start-command";

/** Rejections printed; the summary counts them all. */
const LISTED = 20;

/**
 * `recs import-interactions FILE`: past shopper interactions as organic feedback, through the engine's
 * feedback flow (the same path as IngestFeedback: logged with the profile update in one transaction,
 * then session and popularity), so they build long-term profiles and item popularity as live events do.
 */
export function registerImportCommand(program: Command): void {
  program
    .command("import-interactions")
    .argument(
      "<file>",
      "interactions: CSV with a header (.csv) or JSON Lines, columns user_id, item_id, type, time " +
        "(optional session_id, event_id, reward); .gz read gzipped",
    )
    .description(
      "Import past interactions as organic feedback (long-term profiles, item popularity), with a progress bar; " +
        "bad lines are reported and skipped, a second import of the same rows gives duplicates",
    )
    .action(async (file: string) => {
      const size = fileSize(file);
      const config = loadConfig();
      const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
      const stores = await openStores(config, logger, (what) => logger.warn({ what }, "corrupt stored value"));
      const bar = new SingleBar(
        { format: "importing |{bar}| {percentage}% | {lines} lines", hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      );
      let engine: Engine | null = null;
      try {
        engine = await Engine.start({
          config,
          durable: stores.durable,
          ephemeral: stores.ephemeral,
          logger,
          registry: new Registry(),
        });
        const progress = { bytesRead: 0 };
        /** The file line of each stream position, to name lines in the rejections. */
        const lineAt: number[] = [];
        async function* entries(): AsyncGenerator<StreamEntry<FeedbackInput>> {
          for await (const { line, entry } of readInteractions(file, {
            nowMs: Date.now(),
            retentionDays: config.eventRetentionDays,
            progress,
          })) {
            lineAt.push(line);
            if (lineAt.length % 1000 === 0) bar.update(Math.min(progress.bytesRead, size), { lines: line });
            yield entry;
          }
        }
        bar.start(size, 0, { lines: 0 });
        const summary = await engine.ingestFeedback(entries());
        bar.update(size, { lines: lineAt[lineAt.length - 1] ?? 0 });
        bar.stop();
        for (const line of summaryLines(summary, lineAt, durableStoreName(config))) console.log(line);
        if (summary.accepted + summary.duplicates === 0 && summary.received > 0) process.exitCode = 1;
      } finally {
        bar.stop();
        await engine?.close();
        await stores.close();
      }
    });
}

/** The summary: imported, duplicates, rejected, then the first rejections by file line with their reasons. */
export function summaryLines(summary: BulkSummary, lineAt: readonly number[], store: string): string[] {
  const lines = [
    `${summary.accepted} interactions imported into ${store}, ${summary.duplicates} duplicates ` +
      `(imported before), ${summary.rejected} rejected (of ${summary.received})`,
  ];
  for (const r of summary.rejections.slice(0, LISTED)) lines.push(`  line ${lineAt[r.index] ?? "?"}: ${r.reason}`);
  if (summary.rejected > LISTED) lines.push(`  … and ${summary.rejected - LISTED} more`);
  return lines;
}
