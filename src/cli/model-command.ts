import type { Command } from "commander";
import { RecsClient } from "../client/recs-client";

/** `recs model status`: what an operator compares across replicas to see that they agree. */
export function registerModelCommand(program: Command): void {
  const model = program.command("model").description("The bandit model a running replica serves");
  model
    .command("status")
    .description(
      "Print each replica's update count, statistics checksum and log position (equal checksums: the replicas agree)",
    )
    .option("--target <host:port...>", "the replicas (several: one line each)", ["127.0.0.1:50051"])
    .option("--api-key <key>", "x-api-key, when the server requires one")
    .option("--json", "one JSON object per line")
    .option("--surface <name>", "the surface whose model to show", "default")
    .action(async (opts: { target: string[]; apiKey?: string; json?: boolean; surface: string }) => {
      const lines = await Promise.all(
        opts.target.map(async (target) => {
          const client = new RecsClient(target, { apiKey: opts.apiKey, timeoutMs: 10_000 });
          try {
            const status = await client.modelStatus(false, undefined, opts.surface);
            const { updateCount, checksum, logPosition, modelVersion, settingsVersion, alpha, epsilon } = status;
            return opts.json
              ? JSON.stringify({
                  target,
                  updateCount: Number(updateCount),
                  checksum,
                  logPosition,
                  modelVersion,
                  settingsVersion,
                  alpha,
                  epsilon,
                })
              : `${target}  updates ${updateCount}  checksum ${checksum}  log position ${logPosition}  ` +
                  `version ${modelVersion}  settings v${settingsVersion} (alpha ${alpha}, epsilon ${epsilon})`;
          } catch (err) {
            throw new Error(`${target}: ${(err as Error).message}`, { cause: err });
          } finally {
            client.close();
          }
        }),
      );
      for (const line of lines) console.log(line);
    });
}
