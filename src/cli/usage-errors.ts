import { InvalidArgumentError, type Command } from "commander";
import { InvalidArgument } from "../errors";

/**
 * The action, with a usage error it throws (a bad flag value found once the action runs) printed by
 * commander as its own are (`error: ...`) and exit code 2, instead of ending the command silently.
 */
export function reportingUsageErrors<A extends unknown[]>(
  command: Command,
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      if (err instanceof InvalidArgumentError || err instanceof InvalidArgument)
        command.error(`error: ${err.message}`, { exitCode: 2, code: "recs.usage" });
      throw err;
    }
  };
}
