import { Command, CommanderError } from "commander";
import { CONFIG_KEYS, ConfigError, loadConfig } from "../config";
import { createLogger } from "../log";
import { registerDataCommands } from "./data-commands";
import { registerBenchCommand } from "./bench";
import { registerDemoCommand } from "./demo";
import { registerEvaluateCommand } from "./evaluate-command";
import { registerForgetUserCommand } from "./forget-user-command";
import { registerImportCommand } from "./import-command";
import { registerModelCommand } from "./model-command";
import { registerSurfaceCommands } from "./surface-commands";
import { runServe } from "./serve";
import { registerWarmStartCommand } from "./warm-start-command";
import { registerWorldCommands } from "./world-commands";

/** The `recs` command. Exit codes: 0 done, 1 failed, 2 bad configuration or usage. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command("recs")
    .description("A stateful, online-learning recommendation engine served over gRPC")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();

  program
    .command("serve")
    .description("Run the gRPC service (configuration from the environment; see `recs config`)")
    .action(async () => runServe());

  program
    .command("config")
    .description(
      "Check the environment as `serve` would (exit 2 naming a bad variable), " +
        "then list every variable with its default and meaning",
    )
    .option("--markdown", "print a Markdown table (as in the README)")
    .action((opts: { markdown?: boolean }) => {
      // The same validation as serve, so a deployment's environment can be checked before it is rolled out.
      loadConfig();
      if (opts.markdown) {
        console.log("| Variable | Default | Meaning |\n| --- | --- | --- |");
        for (const key of CONFIG_KEYS)
          console.log(
            `| \`${key.env}\` | ${key.default === "" ? "(unset)" : `\`${key.default}\``} | ${key.description} |`,
          );
      } else {
        const width = Math.max(...CONFIG_KEYS.map((key) => key.env.length));
        for (const key of CONFIG_KEYS)
          console.log(`${key.env.padEnd(width)} ${(key.default || "(unset)").padEnd(44)} ${key.description}`);
      }
    });

  registerDataCommands(program);
  registerWorldCommands(program);
  registerDemoCommand(program);
  registerBenchCommand(program);
  registerEvaluateCommand(program);
  registerModelCommand(program);
  registerForgetUserCommand(program);
  registerSurfaceCommands(program);
  registerWarmStartCommand(program);
  registerImportCommand(program);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof ConfigError) {
      console.error(`recs: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    createLogger().error({ err }, err instanceof Error ? err.message : String(err));
    console.error(`recs: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}

export { loadConfig };
