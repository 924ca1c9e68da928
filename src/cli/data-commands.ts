import { SingleBar, Presets } from "cli-progress";
import { statSync } from "node:fs";
import type { Command } from "commander";
import { loadConfig } from "../config";
import { loadCatalogFile } from "../engine/catalog-loader";
import { createLogger } from "../log";
import { durableStoreName } from "../state/open-stores";
import { openPostgresStores } from "../state/postgres/open-postgres-stores";

/** Opens only the durable stores the configuration names (for commands that need no server). */
/** The durable stores the environment names (DATABASE_URL, else the embedded folder), not yet migrated. */
export async function openDurable(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const durable = await openPostgresStores(
    config.databaseUrl
      ? { url: config.databaseUrl, embeddingDim: config.embeddingDim, logger }
      : { dataDir: config.dataDir, embeddingDim: config.embeddingDim, logger },
  );
  return { config, durable };
}

export function registerDataCommands(program: Command): void {
  program
    .command("migrate")
    .description("Run pending database migrations (DATABASE_URL, or the embedded store under RECS_DATA_DIR)")
    .action(async () => {
      const { config, durable } = await openDurable();
      try {
        await durable.migrate();
        console.log(`migrations are up to date in ${durableStoreName(config)}`);
      } finally {
        await durable.close();
      }
    });

  program
    .command("load-catalog")
    .argument(
      "<file>",
      "JSON Lines of items: {item_id, embedding, category, attributes, available?}; .gz is read gzipped",
    )
    .description("Validate and upsert a catalog file, with a progress bar; bad lines are reported and skipped")
    .action(async (file: string) => {
      const { config, durable } = await openDurable();
      const size = statSync(file).size;
      const bar = new SingleBar(
        { format: "loading |{bar}| {percentage}% | {lines} lines", hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      );
      bar.start(size, 0, { lines: 0 });
      try {
        await durable.migrate();
        const summary = await loadCatalogFile(file, durable.items, config.embeddingDim, (lines, bytes) =>
          bar.update(Math.min(bytes, size), { lines }),
        );
        bar.stop();
        console.log(
          `${summary.accepted} items upserted into ${durableStoreName(config)}, ${summary.rejected} rejected ` +
            `(of ${summary.received})`,
        );
        for (const r of summary.rejections) console.log(`  ${r.reason}`);
        if (summary.rejected > summary.rejections.length)
          console.log(`  … and ${summary.rejected - summary.rejections.length} more`);
        if (summary.accepted === 0 && summary.received > 0) process.exitCode = 1;
      } finally {
        bar.stop();
        await durable.close();
      }
    });
}
